// The first step of every turn, before any model call: search with the question (with the
// previous question's terms added for a follow-up), judge whether the passages are about it at
// all, and store them as the turn's sources [1..k]. A model never has to decide to search, and
// a question the knowledge base knows nothing of is declined without a model call.
import { resolveAgentMode, type ResolvedAgentMode } from '../../domain/answering/agent-mode.js';
import { isCapabilityQuestion, searchQuery } from '../../domain/answering/follow-up-query.js';
import { formatSearchResults, TOOL_NAMES, truncate, type AgentStep } from '../../domain/agent.js';
import {
  earlierTurns,
  emitTurnEvent,
  storeStep,
  turnEventSeq,
  type ToolStepRecord,
} from '../../integrations/mongo/stores/agent-turns.js';
import { RECENT_TURNS_IN_PROMPT, type AgentContext } from './dependencies.js';
import { findRelevantSources } from './relevant-sources.js';
import { describeKnowledgeBase } from './what-can-i-do.js';

export interface PrepareTurnInput {
  conversationId: string;
  turnId: string;
  question: string;
}

export interface PreparedTurn {
  mode: ResolvedAgentMode;
  /** False when no passage holds enough of the question's terms: the turn is declined. */
  relevant: boolean;
  sourceCount: number;
  /** The query searched (the question, or the question with the previous one's terms). */
  query: string;
  /**
   * For "what can you help me with?": the knowledge base's topics (a short list of titles),
   * which the grounded path answers with directly and the tool loop may fetch itself.
   */
  overview?: string;
  durationMs: number;
}

/** The step and index the retrieval is stored under: before every model step. */
export const PREPARE_STEP = 0;

function storedQuery(callArguments: unknown): string | undefined {
  const query = (callArguments as { query?: unknown } | undefined)?.query;
  return typeof query === 'string' ? query : undefined;
}

function overviewId(turnId: string): string {
  return `${turnId}:${PREPARE_STEP}:tool:1`;
}

export function createPrepareTurn(context: AgentContext) {
  const { collections, llm, settings } = context;
  return async function agentPrepareTurn(input: PrepareTurnInput): Promise<PreparedTurn> {
    const mode = resolveAgentMode(settings.mode, llm.provider);
    const id = `${input.turnId}:${PREPARE_STEP}:tool:0`;
    const stored = await collections.steps.findOne({ _id: id });
    const capability = isCapabilityQuestion(input.question);
    if (stored?.kind === 'tool') {
      const overview = await collections.steps.findOne({ _id: overviewId(input.turnId) });
      return {
        mode,
        relevant: capability || (stored.sources ?? []).length > 0,
        sourceCount: (stored.sources ?? []).length,
        query: storedQuery(stored.call.arguments) ?? input.question,
        durationMs: stored.result.durationMs,
        ...(overview?.kind === 'tool' ? { overview: overview.content } : {}),
      };
    }
    const started = Date.now();
    const previous = await earlierTurns(
      collections,
      input.conversationId,
      input.turnId,
      RECENT_TURNS_IN_PROMPT,
    );
    const query = searchQuery(
      input.question,
      previous.map((turn) => turn.question),
    );
    const call = {
      id: `search-${input.turnId.slice(0, 8)}`,
      name: TOOL_NAMES.search,
      arguments: { query },
    };
    await emitTurnEvent(
      collections.events,
      input.turnId,
      turnEventSeq.toolStarted(PREPARE_STEP, 0),
      'step_started',
      {
        step: PREPARE_STEP,
        kind: 'tool',
        name: call.name,
        input: truncate(query, 300),
      },
    );
    const { relevant, sources, outcome } = await findRelevantSources(context, query);
    const durationMs = Date.now() - started;
    const record: Omit<ToolStepRecord, 'createdAt'> = {
      _id: id,
      turnId: input.turnId,
      conversationId: input.conversationId,
      step: PREPARE_STEP,
      index: 0,
      kind: 'tool',
      call,
      content: formatSearchResults(query, sources, 6_000),
      sources,
      result: { ok: true, outcome, newSources: sources.map((source) => source.n), durationMs },
    };
    await storeStep(collections, record);
    const step: AgentStep = {
      step: PREPARE_STEP,
      kind: 'tool',
      name: call.name,
      input: truncate(query, 300),
      durationMs,
      ok: true,
      outcome,
    };
    await emitTurnEvent(
      collections.events,
      input.turnId,
      turnEventSeq.toolFinished(PREPARE_STEP, 0),
      'step',
      step,
    );
    // "What can you help me with?" is about the knowledge base as a whole: the grounded path
    // answers it with the index's topics (stored as a what_can_i_do step, so it is cited as a
    // tool answer), the tool loop lets the model call that tool itself.
    let overview: string | undefined;
    if (capability && mode === 'grounded') {
      overview = await describeKnowledgeBase(context.knowledgeBase);
      await storeStep(collections, {
        _id: overviewId(input.turnId),
        turnId: input.turnId,
        conversationId: input.conversationId,
        step: PREPARE_STEP,
        index: 1,
        kind: 'tool',
        call: {
          id: `topics-${input.turnId.slice(0, 8)}`,
          name: TOOL_NAMES.whatCanIDo,
          arguments: {},
        },
        content: overview,
        sources: [],
        result: {
          ok: true,
          outcome: `${overview.split('\n').length - 1} topics`,
          newSources: [],
          durationMs: 0,
        },
      });
    }
    return {
      mode,
      relevant: capability || relevant,
      sourceCount: sources.length,
      query,
      durationMs,
      ...(overview === undefined ? {} : { overview }),
    };
  };
}
