// The `hf-jobs` training backend: the training program in a Hugging Face Job (a Docker image
// with Unsloth on a rented GPU) through the official @huggingface/hub client. The program and
// its config travel in the job's environment, the HF token as an encrypted secret, and the
// launch key as a label, so a launch that crashed before recording its job id finds the job
// instead of starting another.
import { createHash } from 'node:crypto';
import { cancelJob, getJob, HubApiError, listJobs, runJob, streamJobLogs } from '@huggingface/hub';
import type { SpaceHardwareFlavor } from '@huggingface/hub';
import { SecondBrainError } from '../../domain/errors.js';
import { toHubError } from '../huggingface/hub-repositories.js';
import type { TrainingBackend, TrainingJobStatus, TrainingLaunch } from './training-backend.js';

export interface HuggingFaceJobsSettings {
  accessToken: string;
  hubUrl: string;
  /** The user or organization the job runs (and is billed) under. */
  namespace: string;
  /** A Docker image with Unsloth, TRL and huggingface_hub installed. */
  image: string;
  /** The training program's source (training/train_summarizer.py). */
  program: string;
  fetch?: typeof fetch;
}

export const LAUNCH_LABEL = 'second-brain-launch';

/** Label values must be short and plain: a hash of the launch key. */
export function launchLabel(launchKey: string): string {
  return createHash('sha256').update(launchKey).digest('hex').slice(0, 32);
}

/** The job's shell command: decode the program and config from the environment, run them. */
export function jobCommand(dryRun: boolean): string[] {
  return [
    'bash',
    '-c',
    [
      'set -e',
      'printf %s "$TRAINING_PROGRAM" | base64 -d > /tmp/train_summarizer.py',
      'printf %s "$TRAINING_CONFIG" | base64 -d > /tmp/training-config.json',
      `exec python /tmp/train_summarizer.py --config /tmp/training-config.json${dryRun ? ' --dry-run' : ''}`,
    ].join('\n'),
  ];
}

/** The Jobs API's stages (RUNNING, COMPLETED, CANCELED, ERROR, DELETED) in the port's terms. */
export function jobStatus(job: {
  status: { stage: string; message?: string | null };
}): TrainingJobStatus {
  const message = job.status.message ?? null;
  switch (job.status.stage) {
    case 'COMPLETED':
      return { state: 'succeeded', message };
    case 'CANCELED':
    case 'CANCELLED':
      return { state: 'cancelled', message };
    case 'ERROR':
    case 'DELETED':
      return { state: 'failed', message: message ?? job.status.stage.toLowerCase() };
    default:
      // RUNNING, and the queueing stages some accounts see before it.
      return { state: 'running', message };
  }
}

export function createHuggingFaceJobsBackend(settings: HuggingFaceJobsSettings): TrainingBackend {
  const common = {
    accessToken: settings.accessToken,
    hubUrl: settings.hubUrl,
    namespace: settings.namespace,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  };

  async function call<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HubApiError && error.statusCode === 404) {
        throw new SecondBrainError(
          'notFound',
          `Hugging Face Jobs ${action}: not found (${error.message})`,
          {
            cause: error,
          },
        );
      }
      throw toHubError(error, `Jobs ${action}`);
    }
  }

  return {
    name: 'hf-jobs',

    async findOrLaunch(launch: TrainingLaunch) {
      const label = launchLabel(launch.launchKey);
      const existing = await call('listJobs', () => listJobs(common));
      const found = existing.find((job) => job.labels?.[LAUNCH_LABEL] === label);
      if (found) return { jobId: found.id, launched: false };
      const job = await call('runJob', () =>
        runJob({
          ...common,
          dockerImage: settings.image,
          command: jobCommand(launch.dryRun),
          environment: {
            TRAINING_PROGRAM: Buffer.from(settings.program).toString('base64'),
            TRAINING_CONFIG: Buffer.from(JSON.stringify(launch.config)).toString('base64'),
            HF_ENDPOINT: settings.hubUrl,
            PYTHONUNBUFFERED: '1',
          },
          // Encrypted server-side and never shown in the job's spec.
          secrets: { HF_TOKEN: settings.accessToken },
          flavor: launch.flavor as SpaceHardwareFlavor,
          timeoutSeconds: launch.timeoutSeconds,
          labels: { [LAUNCH_LABEL]: label },
        }),
      );
      return { jobId: job.id, launched: true };
    },

    async status(jobId) {
      return jobStatus(await call('getJob', () => getJob({ ...common, jobId })));
    },

    async *logs(jobId, signal) {
      const abortable: typeof fetch = (input, init) =>
        (settings.fetch ?? fetch)(input, { ...init, signal });
      try {
        for await (const entry of streamJobLogs({ ...common, jobId, fetch: abortable })) {
          for (const line of entry.message.split('\n')) yield line;
        }
      } catch (error) {
        if (signal.aborted) return;
        throw toHubError(error, `Jobs logs ${jobId}`);
      }
    },

    async cancel(jobId) {
      const job = await call('getJob', () => getJob({ ...common, jobId }));
      if (jobStatus(job).state !== 'running') return;
      await call('cancelJob', () => cancelJob({ ...common, jobId }));
    },
  };
}
