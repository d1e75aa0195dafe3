// One tool call of the tool loop. Errors become the tool's reply to the model, not a failed
// turn; a call identical to one already made in this turn is not run again: the model is told
// it has that result and must answer (small and large models alike repeat searches).
import { z } from 'zod';
import {
  describeArguments,
  formatSearchResults,
  stripMarkers,
  summarizeArgumentsSchema,
  searchArgumentsSchema,
  TOOL_NAMES,
  truncate,
  whatCanIDoArgumentsSchema,
  type AgentStep,
  type ToolCallInput,
  type ToolStepResult,
} from '../../domain/agent.js';
import { SecondBrainError } from '../../domain/errors.js';
import { fenceUntrusted } from '../../domain/untrusted-text.js';
import {
  emitTurnEvent,
  storeStep,
  turnEventSeq,
  turnRecords,
  turnSources,
  type StoredSource,
  type ToolStepRecord,
} from '../../integrations/mongo/stores/agent-turns.js';
import type { AgentContext } from './dependencies.js';
import { currentAttempt, withHeartbeat } from './heartbeat.js';
import { describeKnowledgeBase } from './what-can-i-do.js';

export interface ToolStepInput {
  conversationId: string;
  turnId: string;
  step: number;
  index: number;
  call: ToolCallInput;
}

/** The identity of a call: its tool and its arguments, whatever the call id. */
export function callSignature(call: Pick<ToolCallInput, 'name' | 'arguments'>): string {
  const normalize = (value: unknown): unknown =>
    typeof value === 'string'
      ? value.trim().toLowerCase().replace(/\s+/g, ' ')
      : Array.isArray(value)
        ? value.map(normalize)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, v]) => [k, normalize(v)]),
            )
          : value;
  return `${call.name}:${JSON.stringify(normalize(call.arguments ?? {}))}`;
}

export function createToolStep(context: AgentContext) {
  const { collections, retriever, summarizer, settings } = context;
  // Room for retrieved text in one tool reply: ~40% of the context window, ~4 chars a token.
  const searchBudgetChars = Math.max(2_000, Math.floor(context.llm.contextWindow * 4 * 0.4));

  async function runTool(call: ToolCallInput, previous: StoredSource[]) {
    switch (call.name) {
      case TOOL_NAMES.search: {
        const { query } = searchArgumentsSchema.parse(call.arguments);
        const found = await retriever.search(query, { k: settings.searchK });
        let next = previous.reduce((max, source) => Math.max(max, source.n), 0) + 1;
        const numbered = found.map((chunk) => {
          const known = previous.find((source) => source.chunkId === chunk.chunkId);
          return {
            n: known?.n ?? next++,
            chunkId: chunk.chunkId,
            documentId: chunk.documentId,
            url: chunk.url,
            title: chunk.title,
            text: chunk.text,
          };
        });
        return {
          content: formatSearchResults(query, numbered, searchBudgetChars),
          sources: numbered.filter(
            (source) => !previous.some((known) => known.chunkId === source.chunkId),
          ),
          outcome: `${numbered.length} chunk${numbered.length === 1 ? '' : 's'}`,
        };
      }
      case TOOL_NAMES.summarize: {
        const { sources } = summarizeArgumentsSchema.parse(call.arguments);
        const chosen = previous.filter((source) => sources.includes(source.n));
        if (chosen.length === 0)
          throw new SecondBrainError(
            'validation',
            `no retrieved source has the number(s) ${sources.join(', ')}; search first`,
          );
        const summary = await summarizer.summarize(
          chosen.map((source) => `${source.title}\n${source.text}`).join('\n\n'),
        );
        return {
          content: `Summary of ${chosen.map((source) => `[${source.n}]`).join('')} (untrusted data):\n${fenceUntrusted('SOURCE', stripMarkers(summary), { n: 'summary' })}`,
          sources: [],
          outcome: `${summary.length} characters`,
        };
      }
      case TOOL_NAMES.whatCanIDo: {
        whatCanIDoArgumentsSchema.parse(call.arguments ?? {});
        const content = await describeKnowledgeBase(context.mongo);
        return { content, sources: [], outcome: `${content.split('\n').length - 1} topics` };
      }
      default:
        throw new SecondBrainError(
          'validation',
          `unknown tool "${call.name}"; the tools are ${Object.values(TOOL_NAMES).join(', ')}`,
        );
    }
  }

  return async function agentToolStep(input: ToolStepInput): Promise<ToolStepResult> {
    const id = `${input.turnId}:${input.step}:tool:${input.index}`;
    const stored = await collections.steps.findOne({ _id: id });
    if (stored?.kind === 'tool') return stored.result;

    await emitTurnEvent(
      collections.events,
      input.turnId,
      turnEventSeq.toolStarted(input.step, input.index),
      'step_started',
      {
        step: input.step,
        kind: 'tool',
        name: input.call.name,
        input: describeArguments(input.call.arguments),
      },
    );
    const records = await turnRecords(collections, input.turnId);
    const previous = turnSources(records);
    const started = Date.now();
    let content: string;
    let sources: StoredSource[] = [];
    let ok = true;
    let outcome: string;
    const signature = callSignature(input.call);
    const repeated = records.find(
      (record): record is ToolStepRecord =>
        record.kind === 'tool' && record._id !== id && callSignature(record.call) === signature,
    );
    if (repeated) {
      // Records written by upsert may come back without an empty `sources` array.
      const known = repeated.sources ?? [];
      ok = false;
      outcome = 'repeated call: not run again';
      content =
        `You already called ${input.call.name} with these arguments in this turn; its result is above` +
        `${known.length > 0 ? ` (sources ${known.map((source) => `[${source.n}]`).join('')})` : ''}. ` +
        'Do not call it again: answer now from the sources you have.';
    } else {
      try {
        ({ content, sources, outcome } = await withHeartbeat(() => runTool(input.call, previous)));
      } catch (error) {
        // Transient failures (a database briefly away) are Temporal's to retry; the rest go
        // back to the model so it can correct its call.
        const retryable = error instanceof SecondBrainError ? error.retryable : false;
        if (retryable && currentAttempt() < 3) throw error;
        const message =
          error instanceof z.ZodError
            ? `invalid arguments: ${error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`).join('; ')}`
            : error instanceof Error
              ? error.message
              : String(error);
        ok = false;
        outcome = truncate(message, 300);
        content = `Error from tool ${input.call.name}: ${outcome}`;
      }
    }
    const result: ToolStepResult = {
      ok,
      outcome,
      newSources: sources.map((source) => source.n),
      durationMs: Date.now() - started,
      ...(repeated ? { repeated: true } : {}),
    };
    await storeStep(collections, {
      _id: id,
      turnId: input.turnId,
      conversationId: input.conversationId,
      step: input.step,
      index: input.index,
      kind: 'tool',
      call: input.call,
      content,
      sources,
      result,
    });
    const step: AgentStep = {
      step: input.step,
      kind: 'tool',
      name: input.call.name,
      input: describeArguments(input.call.arguments),
      durationMs: result.durationMs,
      ok,
      outcome,
    };
    await emitTurnEvent(
      collections.events,
      input.turnId,
      turnEventSeq.toolFinished(input.step, input.index),
      'step',
      step,
    );
    return result;
  };
}
