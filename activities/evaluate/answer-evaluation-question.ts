import { createHash } from 'node:crypto';
import { SecondBrainError } from '../../domain/errors.js';
import {
  evaluationCollections,
  type EvaluationResultRecord,
} from '../../integrations/evaluation/evaluation-store.js';
import { datasetItem, runRecord, type EvaluateDependencies } from './dependencies.js';
import { withHeartbeat } from '../with-heartbeat.js';

/** Evaluation conversations complete soon after their one question. */
const EVALUATION_CONVERSATION_IDLE_MINUTES = 1;

function hashId(text: string, length = 24): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Asks the agent one question (its own conversation) and stores the answer. */
export function answerEvaluationQuestion({
  mongo,
  turnSteps,
  runAgentTurn,
}: Pick<EvaluateDependencies, 'mongo' | 'turnSteps' | 'runAgentTurn'>) {
  const results = evaluationCollections(mongo.db).results;
  return async function answerEvaluationQuestion(input: {
    runId: string;
    itemId: string;
    agentTaskQueue?: string;
  }): Promise<{ ok: boolean }> {
    const resultId = `${input.runId}:${input.itemId}`;
    const stored = await results.findOne({ _id: resultId });
    if (stored?.answer !== undefined || stored?.answerError !== undefined)
      return { ok: stored.answer !== undefined };
    const run = await runRecord(mongo, input.runId);
    const item = await datasetItem(mongo, run, input.itemId);
    // Stable ids: a retried attempt asks the same turn, which the agent answers only once.
    const turnId = `eval-${hashId(resultId)}`;
    const conversationId = `eval-conversation-${hashId(resultId)}`;
    const record: Omit<EvaluationResultRecord, '_id'> = {
      runId: input.runId,
      itemId: input.itemId,
      question: item.question,
      turnId,
      conversationId,
      createdAt: new Date(),
    };
    if (!runAgentTurn)
      throw new SecondBrainError(
        'permanent',
        'This worker has no Temporal client to ask the agent',
      );
    const outcome = await withHeartbeat(() =>
      runAgentTurn({
        question: item.question,
        conversationId,
        turnId,
        taskQueue: input.agentTaskQueue,
        trigger: 'evaluation',
        idleTimeoutMinutes: EVALUATION_CONVERSATION_IDLE_MINUTES,
      }),
    );
    if (outcome.ok) {
      const steps = await turnSteps.toolSteps(turnId);
      const documentOf = new Map(
        steps.flatMap((step) =>
          (step.sources ?? []).map((source) => [source.chunkId, source.documentId]),
        ),
      );
      record.answer = outcome.turn.answer;
      record.answerKind = outcome.turn.answerKind ?? 'model';
      record.sources = outcome.turn.sources.map((source) => ({
        n: source.n,
        url: source.url,
        title: source.title,
        documentId: documentOf.get(source.chunkId),
      }));
    } else {
      // The agent failed this question (its turn failed for good): a result, not a crash.
      record.answerError = outcome.error.slice(0, 500);
    }
    await results.updateOne({ _id: resultId }, { $setOnInsert: record }, { upsert: true });
    return { ok: record.answer !== undefined };
  };
}
