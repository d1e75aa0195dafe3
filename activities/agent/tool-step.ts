// One tool call of the tool loop. Errors become the tool's reply to the model, not a failed
// turn; a call identical to one already made in this turn is not run again: the model is told
// it has that result and must answer (small and large models alike repeat searches).
import { z } from 'zod';
import {
  describeArguments,
  truncate,
  type AgentStep,
  type ToolCallInput,
  type ToolStepResult,
} from '../../domain/agent.js';
import { callSignature } from '../../domain/answering/call-signature.js';
import { SecondBrainError } from '../../domain/errors.js';
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
import { currentAttempt, withHeartbeat } from '../with-heartbeat.js';
import { runTool } from './agent-tools.js';

export interface ToolStepInput {
  conversationId: string;
  turnId: string;
  step: number;
  index: number;
  call: ToolCallInput;
}

export function createToolStep(context: AgentContext) {
  const { collections } = context;
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
        ({ content, sources, outcome } = await withHeartbeat(() =>
          runTool(context, input.call, previous),
        ));
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
