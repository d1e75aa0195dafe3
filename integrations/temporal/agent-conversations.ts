// Asking the agent over Temporal: a question is a Workflow Update on the conversation workflow,
// started if needed, so a turn is durable and asking twice with one turn id answers once. The
// CLI and HTTP API (clients/agent-client.ts) and the evaluation pipeline (through the
// RunAgentTurn port the composition root builds) all ask through here.
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { Config } from '../../config/environment.js';
import type { TurnResult } from '../../domain/agent.js';
import type { RunAgentTurn } from '../../domain/evaluation-run.js';
import { AGENT, TASK_QUEUES } from '../../domain/names.js';
import { errorMessage } from '../../domain/tracing.js';
import type { ConversationInput } from '../../domain/workflow-inputs.js';
import { PIPELINE_ATTRIBUTE, TRIGGER_ATTRIBUTE } from './search-attributes.js';

export interface AskOptions {
  question: string;
  conversationId?: string;
  /** Chosen by the caller so it can follow the turn's events before the answer arrives. */
  turnId?: string;
  taskQueue?: string;
  trigger?: string;
  /** How long the conversation waits for a next question before it completes (default 24 h). */
  idleTimeoutMinutes?: number;
}

export function newConversationId(): string {
  return `conversation-${randomUUID()}`;
}

/** Asks a question in a conversation (started if it is not running) and waits for the answer. */
export async function askQuestion(
  client: Client,
  config: Config,
  options: AskOptions,
): Promise<TurnResult> {
  const conversationId = options.conversationId ?? newConversationId();
  const turnId = options.turnId ?? randomUUID();
  const input: Partial<ConversationInput> = {
    conversationId,
    maxSteps: config.agent.maxSteps,
    turnsPerRun: config.agent.turnsPerRun,
    ...(options.idleTimeoutMinutes === undefined
      ? {}
      : { idleTimeoutMinutes: options.idleTimeoutMinutes }),
  };
  const start = new WithStartWorkflowOperation(AGENT.workflowType, {
    workflowId: conversationId,
    taskQueue: options.taskQueue ?? TASK_QUEUES.agent,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: PIPELINE_ATTRIBUTE, value: 'conversation' },
      { key: TRIGGER_ATTRIBUTE, value: options.trigger ?? 'api' },
    ],
  });
  return client.workflow.executeUpdateWithStart<
    (input: unknown) => Promise<unknown>,
    TurnResult,
    [{ turnId: string; question: string }]
  >(AGENT.askUpdate, {
    // The turn id is the update id too: asking again with the same id returns the same answer.
    updateId: turnId,
    args: [{ turnId, question: options.question }],
    startWorkflowOperation: start,
  });
}

/** Every message of an error and its causes (a failed update's reason is a few causes deep). */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const message = errorMessage(current);
    if (message && !messages.includes(message)) messages.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return messages.join(': ');
}

/**
 * The port through which an activity (evaluation) runs an agent turn: asks over the agent's
 * task queue, and reports a turn the agent failed for good as a failed outcome, not an error.
 */
export function createAgentTurnRunner(client: () => Promise<Client>, config: Config): RunAgentTurn {
  return async (request) => {
    const connected = await client();
    try {
      return { ok: true, turn: await askQuestion(connected, config, request) };
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      return { ok: false, error: causeChain(error.cause ?? error) };
    }
  };
}
