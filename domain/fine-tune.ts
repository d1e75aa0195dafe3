// The fine-tune pipeline's pure parts: the shapes its workflow and activities exchange, where a
// run's files live in S3, and what a classified training failure tells the user to do.
import { SecondBrainError } from './errors.js';
import { STORAGE_PREFIXES } from './names.js';
import { runPrefix } from './storage-layout.js';
import type { DryRunEvent, TrainingFailureKind, TrainingResultEvent } from './training-log.js';

/** The dataset version a fine-tune trains on, as the registry describes it. */
export interface TrainingDataset {
  datasetName: string;
  version: string;
  prefix: string;
  counts: { train: number; validation: number; test: number };
  hubRepo: string | null;
}

export type AwaitTrainingResult =
  | {
      outcome: 'succeeded';
      jobId: string;
      metricsKey: string;
      steps: number;
      finalLoss: number | null;
      result: TrainingResultEvent | null;
      dryRun: DryRunEvent | null;
    }
  | { outcome: 'infrastructureFailure'; jobId: string; message: string };

/** The fine-tuned model's endpoint (the input's, else SUMMARIZER_ENDPOINT_URL), or the teacher. */
export type SummarizerChoice =
  { kind: 'endpoint'; url?: string; model?: string } | { kind: 'teacher' };

/** What a failure message needs to know about the job. */
export interface FailedTrainingJob {
  jobId: string;
  backend: 'hf-jobs' | 'local';
  flavor: string;
  timeoutMinutes: number;
}

/** S3 prefix of one launch's run files (runs/train/<launch key>/; the layout predates the name). */
export function trainingRunPrefix(launchKey: string): string {
  return runPrefix('train', encodeURIComponent(launchKey));
}

export function metricsKey(launchKey: string): string {
  return `${trainingRunPrefix(launchKey)}metrics.jsonl`;
}

export function outputTailKey(launchKey: string): string {
  return `${trainingRunPrefix(launchKey)}output-tail.log`;
}

export function modelPrefix(modelId: string): string {
  return `${STORAGE_PREFIXES.models}${modelId.replace(/[^A-Za-z0-9_.@-]+/g, '_')}/`;
}

/** The error a classified training failure becomes: its kind decides what Temporal retries. */
export function trainingFailure(
  kind: TrainingFailureKind,
  job: FailedTrainingJob,
  detail: string,
): SecondBrainError {
  const details = { failure: kind, jobId: job.jobId, backend: job.backend };
  switch (kind) {
    case 'outOfMemory':
      return new SecondBrainError(
        'permanent',
        `Training ran out of GPU memory on ${job.backend === 'hf-jobs' ? job.flavor : 'the local GPU'} (${detail}): set config.loadIn4bit, lower maxSeqLength or perDeviceTrainBatchSize, or pick a larger flavor (l40sx1, a100-large)`,
        { details },
      );
    case 'timeout':
      return new SecondBrainError(
        'permanent',
        `Training job ${job.jobId} exceeded its timeout of ${job.timeoutMinutes} minutes (${detail}): raise timeoutMinutes or train fewer steps`,
        { details },
      );
    case 'auth':
      return new SecondBrainError(
        'auth',
        `Training job ${job.jobId} was refused by the Hugging Face Hub (${detail}): HF_TOKEN needs write access to the output repo and access to the base model`,
        { details },
      );
    case 'config':
      return new SecondBrainError(
        'validation',
        `The training program rejected its config: ${detail}`,
        {
          details,
        },
      );
    default:
      return new SecondBrainError('permanent', `Training job ${job.jobId} failed: ${detail}`, {
        details,
      });
  }
}
