// The port every training backend implements: launch a job idempotently, read its state and
// logs, cancel it. The fineTune activities are written against this port only, so Hugging
// Face Jobs and a local child process behave the same to the workflow.
import type { TrainingProgramConfig } from '../../domain/training-config.js';

export const TRAINING_BACKENDS = ['hf-jobs', 'local'] as const;
export type TrainingBackendName = (typeof TRAINING_BACKENDS)[number];

export interface TrainingLaunch {
  /** Stable per workflow and launch: the same key never starts a second job. */
  launchKey: string;
  config: TrainingProgramConfig;
  dryRun: boolean;
  /** Hardware flavor (hf-jobs), e.g. a10g-large, l40sx1, a100-large. */
  flavor: string;
  timeoutSeconds: number;
  /** Dataset files the program reads from config.dataset.localDir (local backend). */
  datasetFiles?: { name: string; content: Buffer }[];
}

export type TrainingJobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TrainingJobStatus {
  state: TrainingJobState;
  /** The backend's own words for a failure (status message, exit code). */
  message: string | null;
}

export interface TrainingBackend {
  readonly name: TrainingBackendName;
  /** Returns the job launched under this key before, or launches it. */
  findOrLaunch(launch: TrainingLaunch): Promise<{ jobId: string; launched: boolean }>;
  status(jobId: string): Promise<TrainingJobStatus>;
  /**
   * The job's output lines from the start; ends when the job has ended and everything was
   * read, or earlier when the stream drops (the caller reconnects and dedupes).
   */
  logs(jobId: string, signal: AbortSignal): AsyncIterable<string>;
  cancel(jobId: string): Promise<void>;
}
