import {
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createEvaluateActivities } from '../activities/evaluate/index.js';
import type { EvaluationMetricsResult } from '../domain/evaluation-run.js';
import { PIPELINE_RETRY, STORAGE_ACTIVITY } from './activity-policies.js';
import { parseInput } from './parse-input.js';
import { progressQuery } from './progress-query.js';
import { DOCUMENT_COUNT } from './search-attributes.js';

type EvaluationActivities = ReturnType<typeof createEvaluateActivities>;

// Fewer, slower retries than the other pipelines: each attempt may have asked the agent.
const retry = { ...PIPELINE_RETRY, initialInterval: '2 seconds', maximumAttempts: 5 };

const storageActivities = proxyActivities<EvaluationActivities>({ ...STORAGE_ACTIVITY, retry });

// Writing starter questions, waiting for the agent and judging all call models on a CPU: long,
// so they heartbeat, and a dead worker's attempt is retried within a minute.
const modelActivities = proxyActivities<EvaluationActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry,
});

/**
 * Evaluates the agent: makes sure an evaluation dataset version exists (a starter dataset of
 * LLM-written questions about sampled chunks when there is none), asks the agent each of the
 * first `limit` questions through its task queue with bounded concurrency, scores every answer
 * (Opik's Hallucination, AnswerRelevance and Moderation with the judge model, summary density,
 * retrieval recall@k and MRR), then stores the run, a report comparing it with the previous
 * run, and an Opik experiment when Opik is configured. History carries ids and counts only.
 */
export async function evaluate(rawInput: unknown = {}): Promise<EvaluationMetricsResult> {
  const input = await parseInput('evaluate', rawInput);
  const runId = workflowInfo().workflowId;
  const progress = {
    dataset: { done: 0, failed: 0, pending: 1 },
    answer: { done: 0, failed: 0, pending: 0 },
    score: { done: 0, failed: 0, pending: 0 },
    report: { done: 0, failed: 0, pending: 1 },
  };
  setHandler(progressQuery, () => ({
    stages: Object.entries(progress).map(([stage, counts]) => ({ stage, ...counts })),
  }));

  const dataset = await modelActivities.prepareEvaluationDataset.executeWithOptions(
    { summary: `Prepare evaluation dataset ${input.datasetName}` },
    [
      {
        datasetName: input.datasetName,
        datasetVersion: input.datasetVersion,
        starterQuestions: input.starterQuestions,
        regenerate: input.regenerate,
        seed: input.seed,
      },
    ],
  );
  progress.dataset = { done: 1, failed: 0, pending: 0 };
  const { itemIds } = await storageActivities.startEvaluationRun.executeWithOptions(
    { summary: `Start run over ${Math.min(input.limit, dataset.itemIds.length)} question(s)` },
    [
      {
        runId,
        datasetName: dataset.datasetName,
        datasetVersion: dataset.version,
        itemIds: dataset.itemIds,
        settings: { limit: input.limit, concurrency: input.concurrency, k: input.k },
      },
    ],
  );
  upsertSearchAttributes([{ key: DOCUMENT_COUNT, value: itemIds.length }]);
  progress.answer.pending = itemIds.length;
  progress.score.pending = itemIds.length;

  // A fixed number of lanes, each taking the next question: at most `concurrency` agent turns
  // (and judgements) at once. Deterministic: lanes resume in the order events arrive.
  const queue = itemIds.map((itemId, index) => ({ itemId, index }));
  const lane = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { itemId, index } = next;
      const answered = await modelActivities.answerEvaluationQuestion.executeWithOptions(
        { summary: `Ask the agent question ${index + 1} of ${itemIds.length}` },
        [{ runId, itemId, agentTaskQueue: input.agentTaskQueue }],
      );
      progress.answer.pending--;
      if (!answered.ok) {
        progress.answer.failed++;
        progress.score.pending--;
        progress.score.failed++;
        log.warn('The agent could not answer an evaluation question', { itemId });
        continue;
      }
      progress.answer.done++;
      await modelActivities.scoreEvaluationItem.executeWithOptions(
        { summary: `Score answer ${index + 1} of ${itemIds.length}` },
        [{ runId, itemId, k: input.k }],
      );
      progress.score.pending--;
      progress.score.done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.concurrency, itemIds.length) }, lane));

  const result = await storageActivities.finishEvaluationRun.executeWithOptions(
    { summary: 'Aggregate, compare with the previous run, and report' },
    [{ runId }],
  );
  progress.report = { done: 1, failed: 0, pending: 0 };
  log.info('Evaluation finished', { runId, answered: result.answered });
  return result;
}
