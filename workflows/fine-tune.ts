import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createDatasetActivities } from '../activities/dataset/index.js';
import type { createFineTuneActivities } from '../activities/fine-tune/index.js';
import type { AwaitTrainingResult, TrainingDataset } from '../domain/fine-tune.js';
import type { SummarizerEvaluation } from '../domain/model-card.js';
import type { RougeScores } from '../domain/rouge.js';
import { PIPELINE_RETRY, STORAGE_ACTIVITY } from './activity-policies.js';
import { parseInput } from './parse-input.js';
import { progressQuery } from './progress-query.js';

type Activities = ReturnType<typeof createFineTuneActivities> &
  ReturnType<typeof createDatasetActivities>;

const storageActivities = proxyActivities<Activities>(STORAGE_ACTIVITY);

// Evaluation calls a model per test sample: long, heartbeating, resumed at its sample.
const evaluationActivities = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: PIPELINE_RETRY,
});

export interface FineTuneDryRunResult {
  dryRun: true;
  backend: string;
  jobId: string;
  dataset: { name: string; version: string };
  config: Record<string, unknown>;
  counts: Record<string, number>;
  estimatedSteps: number;
  warnings: string[];
}

export interface FineTuneResult {
  dryRun: false;
  modelId: string;
  repoId: string;
  revision: string | null;
  backend: string;
  jobId: string;
  launches: number;
  dataset: { name: string; version: string };
  steps: number;
  finalLoss: number | null;
  /** ROUGE F-measures of the fine-tuned model on the test split; null without an endpoint. */
  rouge: { rouge1: number; rouge2: number; rougeL: number } | null;
  teacherRouge: { rouge1: number; rouge2: number; rougeL: number } | null;
  modelPrefix: string;
  cardPushed: boolean;
}

function fmeasures(
  evaluation: SummarizerEvaluation | null,
): { rouge1: number; rouge2: number; rougeL: number } | null {
  if (evaluation === null) return null;
  const pick = (scores: RougeScores) => ({
    rouge1: scores.rouge1.fmeasure,
    rouge2: scores.rouge2.fmeasure,
    rougeL: scores.rougeL.fmeasure,
  });
  return pick(evaluation.scores);
}

/**
 * Fine-tunes the summarizer on a dataset version: launches the training program (Unsloth +
 * TRL) on Hugging Face Jobs or a local GPU, watches it to the end, relaunches after an
 * infrastructure failure, scores the model with ROUGE on the test split, and registers it
 * (loss curve, evaluation, card) in the `models` collection. Cancelling the workflow cancels
 * the job. `dryRun` runs the program's validation on the dataset without a GPU.
 */
export async function fineTune(
  rawInput: unknown = {},
): Promise<FineTuneResult | FineTuneDryRunResult> {
  const input = await parseInput('fineTune', rawInput);
  const { workflowId } = workflowInfo();
  const progress = {
    dataset: { done: 0, failed: 0, pending: 1 },
    train: { done: 0, failed: 0, pending: 1 },
    evaluate: { done: 0, failed: 0, pending: input.dryRun ? 0 : 1 },
    register: { done: 0, failed: 0, pending: input.dryRun ? 0 : 1 },
  };
  setHandler(progressQuery, () => ({
    stages: Object.entries(progress).map(([stage, counts]) => ({ stage, ...counts })),
  }));

  // The watch lasts as long as the job may; its heartbeats notice a dead worker quickly, and
  // the retry on another worker watches the same job (never launches a second).
  const watchActivities = proxyActivities<Activities>({
    startToCloseTimeout: `${input.timeoutMinutes + 60} minutes`,
    heartbeatTimeout: `${Math.max(15, input.pollIntervalSeconds * 3)} seconds`,
    retry: { ...PIPELINE_RETRY, maximumAttempts: 50 },
  });

  let dataset: TrainingDataset = await storageActivities.resolveTrainingDataset.executeWithOptions(
    {
      summary: `Find ${input.datasetName}@${input.datasetVersion ?? 'latest'}`,
    },
    [{ datasetName: input.datasetName, datasetVersion: input.datasetVersion }],
  );
  if (input.backend === 'hf-jobs' && dataset.hubRepo === null) {
    // The job reads the dataset from the Hub: publish the version first (idempotent).
    const published = await storageActivities.publishDatasetVersion.executeWithOptions(
      { summary: `Publish ${dataset.version} for the training job` },
      [{ datasetName: dataset.datasetName, version: dataset.version }],
    );
    dataset = { ...dataset, hubRepo: published.repo };
  }
  progress.dataset = { done: 1, failed: 0, pending: 0 };

  let launch = 1;
  let outcome: Extract<AwaitTrainingResult, { outcome: 'succeeded' }>;
  for (;;) {
    // One key per workflow and launch: a retried launch activity finds its job.
    const launchKey = `${workflowId}#${launch}`;
    let result: AwaitTrainingResult;
    try {
      // Not cancellable: a launch cancelled mid-call could still create the job after the
      // cancel step below found nothing to cancel. A cancellation that arrives meanwhile takes
      // effect at the watch, which then cancels the job it launched.
      const { jobId } = await CancellationScope.nonCancellable(() =>
        storageActivities.launchTrainingJob.executeWithOptions(
          {
            summary: `${input.dryRun ? 'Dry-run' : 'Launch'} training on ${input.backend}${input.backend === 'hf-jobs' ? ` (${input.flavor})` : ''}, launch ${launch}`,
          },
          [
            {
              launchKey,
              workflowId,
              backend: input.backend,
              dataset,
              config: input.config,
              dryRun: input.dryRun,
              flavor: input.flavor,
              timeoutMinutes: input.timeoutMinutes,
            },
          ],
        ),
      );
      result = await watchActivities.awaitTrainingJob.executeWithOptions(
        { summary: `Watch training job ${jobId}` },
        [{ launchKey, pollIntervalSeconds: input.pollIntervalSeconds }],
      );
    } catch (error) {
      if (isCancellation(error)) {
        // Whatever the watch managed, the job must not outlive the workflow.
        await CancellationScope.nonCancellable(() =>
          storageActivities.cancelTrainingJob.executeWithOptions(
            { summary: 'Cancel the training job' },
            [{ launchKey }],
          ),
        );
      }
      progress.train = { done: 0, failed: 1, pending: 0 };
      throw error;
    }
    if (result.outcome === 'succeeded') {
      outcome = result;
      break;
    }
    if (launch >= input.maxLaunches) {
      progress.train = { done: 0, failed: 1, pending: 0 };
      throw ApplicationFailure.create({
        message: `Training failed for infrastructure reasons in all ${launch} launches; the last: ${result.message}`,
        type: 'TransientError',
        nonRetryable: true,
      });
    }
    log.warn('Training job failed for infrastructure reasons; launching again', {
      launch,
      message: result.message,
    });
    launch++;
  }
  progress.train = { done: 1, failed: 0, pending: 0 };

  if (input.dryRun) {
    if (outcome.dryRun === null) {
      throw ApplicationFailure.create({
        message: 'The training program finished without reporting its dry run',
        type: 'PermanentError',
        nonRetryable: true,
      });
    }
    return {
      dryRun: true,
      backend: input.backend,
      jobId: outcome.jobId,
      dataset: { name: dataset.datasetName, version: dataset.version },
      config: outcome.dryRun.config,
      counts: outcome.dryRun.counts,
      estimatedSteps: outcome.dryRun.estimatedSteps,
      warnings: outcome.dryRun.warnings,
    };
  }

  const fineTuned = await evaluationActivities.evaluateSummarizer.executeWithOptions(
    { summary: `ROUGE of the fine-tuned model on ${dataset.version} test` },
    [
      {
        datasetName: dataset.datasetName,
        version: dataset.version,
        summarizer: {
          kind: 'endpoint',
          url: input.evaluation.endpointUrl,
          model: input.evaluation.endpointModel,
        },
        maxSamples: input.evaluation.maxSamples,
        label: 'fine-tuned',
      },
    ],
  );
  const teacher = input.evaluation.compareWithTeacher
    ? await evaluationActivities.evaluateSummarizer.executeWithOptions(
        { summary: `ROUGE of the teacher on ${dataset.version} test` },
        [
          {
            datasetName: dataset.datasetName,
            version: dataset.version,
            summarizer: { kind: 'teacher' },
            maxSamples: input.evaluation.maxSamples,
            label: 'teacher',
          },
        ],
      )
    : null;
  progress.evaluate = { done: 1, failed: 0, pending: 0 };

  const model = await storageActivities.registerModel.executeWithOptions(
    { summary: 'Register the model with its loss curve and ROUGE' },
    [
      {
        launchKey: `${workflowId}#${launch}`,
        workflowId,
        jobId: outcome.jobId,
        backend: input.backend,
        flavor: input.flavor,
        dataset,
        config: input.config,
        result: outcome.result,
        metricsKey: outcome.metricsKey,
        evaluation: { fineTuned, teacher },
      },
    ],
  );
  let cardPushed = false;
  if (input.pushModelCard && input.config.pushToHub) {
    const pushed = await storageActivities.pushModelCard.executeWithOptions(
      { summary: `Push the model card to ${model.repoId}` },
      [{ modelId: model.modelId }],
    );
    cardPushed = pushed.pushed;
  }
  progress.register = { done: 1, failed: 0, pending: 0 };
  log.info('Model registered', { modelId: model.modelId, steps: outcome.steps });
  return {
    dryRun: false,
    modelId: model.modelId,
    repoId: model.repoId,
    revision: model.revision,
    backend: input.backend,
    jobId: outcome.jobId,
    launches: launch,
    dataset: { name: dataset.datasetName, version: dataset.version },
    steps: outcome.steps,
    finalLoss: outcome.finalLoss,
    rouge: fmeasures(fineTuned),
    teacherRouge: fmeasures(teacher),
    modelPrefix: model.prefix,
    cardPushed,
  };
}
