// One conversation = one workflow (workflow id = conversation id). Each question is a Workflow
// Update that runs the agent loop and returns the answer; the model and tool calls are
// activities, so replay never repeats them. Before the history grows large the workflow folds
// its older turns into a summary and continues as new.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentActivities } from '../activities/agent/index.js';
import type { AskInput, TurnResult } from '../domain/agent.js';
import type { ConversationInput } from '../domain/workflow-inputs.js';
import { AGENT } from '../domain/names.js';
import { runAgentTurn } from './agent-loop.js';
import { parseInput } from './parse-input.js';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '20 seconds',
  maximumAttempts: 5,
};

// Model steps can be slow on a CPU; they heartbeat so a crashed worker is noticed in seconds.
// Few attempts: a step that keeps failing ends the turn with quotes of the passages instead.
const modelActivities = proxyActivities<AgentActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { ...retry, maximumAttempts: 3 },
});
// The grounded answer bounds its own generation (AGENT_ANSWER_TIMEOUT_MS) and falls back to
// quotes inside; the activity timeout only catches a worker that died.
const answerActivities = proxyActivities<AgentActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { ...retry, maximumAttempts: 2 },
});
// Tool calls and finishing a turn are quick and idempotent (stored by turn and step): local
// activities, so they skip a round trip through the server each (see bench/agent-overhead.ts).
const localActivities = proxyLocalActivities<AgentActivities>({
  startToCloseTimeout: '2 minutes',
  retry,
});
const summaryActivities = proxyActivities<AgentActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry,
});

export const askUpdate = defineUpdate<TurnResult, [AskInput]>(AGENT.askUpdate);

export interface ConversationState {
  conversationId: string;
  turnCount: number;
  busy: boolean;
  summary: string;
  turns: { turnId: string; question: string }[];
}
export const stateQuery = defineQuery<ConversationState>(AGENT.stateQuery);

export interface ConversationResult {
  conversationId: string;
  turnCount: number;
}

export async function conversation(rawInput: unknown = {}): Promise<ConversationResult> {
  // Handlers are registered before the first await: an update-with-start arrives in the very
  // first activation, and waits (in the handler) until the input has been validated.
  let input: ConversationInput | undefined; // eslint-disable-line prefer-const -- assigned after the handlers are registered
  let conversationId = workflowInfo().workflowId;
  let summary = '';
  let turnCount = 0;
  let turnsThisRun = 0;
  let busy = false;
  const turns: ConversationState['turns'] = [];

  setHandler(stateQuery, () => ({ conversationId, turnCount, busy, summary, turns }));
  setHandler(
    askUpdate,
    async (ask) => {
      // One turn at a time: a second question waits for the first answer.
      await condition(() => input !== undefined && !busy);
      const settings = input!;
      busy = true;
      try {
        const result = await runAgentTurn(
          {
            // Summaries make each turn read as a story in the Temporal UI (no question text:
            // metadata is not encrypted by the payload codec).
            agentPrepareTurn: (stepInput) =>
              localActivities.agentPrepareTurn.executeWithOptions(
                { summary: 'Search the knowledge base with the question' },
                [stepInput],
              ),
            agentGroundedAnswer: (stepInput) =>
              answerActivities.agentGroundedAnswer.executeWithOptions(
                { summary: `Model step ${stepInput.step}: write the answer from the passages` },
                [stepInput],
              ),
            agentModelStep: (stepInput) =>
              modelActivities.agentModelStep.executeWithOptions(
                {
                  summary: stepInput.finalOnly
                    ? `Model step ${stepInput.step}: write the final answer`
                    : `Model step ${stepInput.step}: call a tool or answer`,
                },
                [stepInput],
              ),
            agentToolStep: (stepInput) =>
              localActivities.agentToolStep.executeWithOptions(
                { summary: `Tool step ${stepInput.step}: ${stepInput.call.name}` },
                [stepInput],
              ),
            agentExtractiveAnswer: (stepInput) =>
              localActivities.agentExtractiveAnswer.executeWithOptions(
                { summary: 'Quote the passages (the model step failed)' },
                [stepInput],
              ),
            agentFinishTurn: (finishInput) =>
              localActivities.agentFinishTurn.executeWithOptions(
                { summary: 'Map citations to sources and store the turn' },
                [finishInput],
              ),
          },
          {
            conversationId,
            turnId: ask.turnId,
            turnIndex: turnCount,
            question: ask.question,
            summary,
            maxSteps: settings.maxSteps,
          },
        );
        turnCount++;
        turnsThisRun++;
        turns.push({ turnId: ask.turnId, question: ask.question.slice(0, 200) });
        return result;
      } finally {
        busy = false;
      }
    },
    {
      // A rejected update never reaches history: bad questions cost nothing.
      validator(ask: AskInput) {
        const { question, turnId } = (ask ?? {}) as Partial<Record<keyof AskInput, unknown>>;
        if (typeof question !== 'string' || question.trim() === '')
          throw new Error('question must be a non-empty string');
        if (question.length > 4_000) throw new Error('question is over 4000 characters');
        if (typeof turnId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(turnId))
          throw new Error('turnId must be 8-64 letters, digits, - or _');
      },
    },
  );

  const parsed = await parseInput('conversation', rawInput);
  input = parsed;
  conversationId = parsed.conversationId || conversationId;
  summary = parsed.summary;
  turnCount = parsed.turnCount;
  const idleTimeoutMs = parsed.idleTimeoutMinutes * 60_000;
  for (;;) {
    const turnsBefore = turnCount;
    const rollOver = await condition(
      () => !busy && (turnsThisRun >= parsed.turnsPerRun || workflowInfo().continueAsNewSuggested),
      idleTimeoutMs,
    );
    // A conversation idle for the whole timeout completes; its turns stay in MongoDB, and the
    // next question starts a new run under the same workflow id.
    if (!rollOver && (busy || turnCount !== turnsBefore)) continue;
    await condition(allHandlersFinished);
    if (!rollOver) return { conversationId, turnCount };
    summary = await summaryActivities.agentSummarizeConversation.executeWithOptions(
      { summary: 'Fold the older turns into a summary before continuing as new' },
      [{ conversationId, previousSummary: summary }],
    );
    // A question that arrived while summarizing is answered in this run before rolling over:
    // continuing as new with an update in flight would fail that update.
    await condition(() => !busy && allHandlersFinished());
    await continueAsNew<typeof conversation>({ ...parsed, conversationId, summary, turnCount });
  }
}
