import { log } from '@temporalio/activity';
import { DATASET_FILES } from '../../domain/dataset-card.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { TrainingDataset } from '../../domain/fine-tune.js';
import type { TrainingConfig, TrainingProgramConfig } from '../../domain/training-config.js';
import type { TrainingBackendName } from '../../integrations/training/training-backend.js';
import { backendFor, readDatasetSplit, type FineTuneDependencies } from './dependencies.js';

export interface LaunchTrainingJobRequest {
  launchKey: string;
  workflowId: string;
  backend: TrainingBackendName;
  dataset: TrainingDataset;
  config: TrainingConfig;
  dryRun: boolean;
  flavor: string;
  timeoutMinutes: number;
}

/** The Jobs namespace a hf-jobs launch runs under, after checking it can run at all. */
function jobsNamespace(
  config: FineTuneDependencies['config'],
  request: LaunchTrainingJobRequest,
  outputRepo: string | null,
): string {
  if (config.huggingFaceHub.token === undefined) {
    throw new SecondBrainError(
      'auth',
      'The hf-jobs backend needs HF_TOKEN (a token that may run Jobs)',
    );
  }
  const namespace = config.training.jobsNamespace ?? outputRepo?.split('/')[0] ?? null;
  if (namespace === null) {
    throw new SecondBrainError(
      'validation',
      'Hugging Face Jobs need a namespace: set HF_JOBS_NAMESPACE or an output repo',
    );
  }
  if (request.dataset.hubRepo === null) {
    throw new SecondBrainError(
      'validation',
      `Dataset version ${request.dataset.version} is not on the Hub, where the job reads it: publish it first`,
    );
  }
  return namespace;
}

/**
 * Launches the job for this launch key, or returns the one launched before: the record in
 * training_jobs answers a retry, and the backend's own lookup (a Jobs label, a job folder)
 * answers a crash between launching and recording.
 */
export function launchTrainingJob(
  dependencies: Pick<FineTuneDependencies, 'config' | 'storage' | 'trainingJobs' | 'backends'>,
) {
  const { config, storage, trainingJobs } = dependencies;
  return async function launchTrainingJob(
    request: LaunchTrainingJobRequest,
  ): Promise<{ jobId: string; launched: boolean }> {
    const existing = await trainingJobs.find(request.launchKey);
    if (existing) return { jobId: existing.jobId, launched: false };
    const outputRepo = request.config.outputRepo ?? config.training.modelRepo ?? null;
    if (!request.dryRun && request.config.pushToHub && outputRepo === null) {
      throw new SecondBrainError(
        'validation',
        'The merged model needs a repo: set config.outputRepo or MODEL_REPO ("namespace/name"), or config.pushToHub: false',
      );
    }
    const namespace =
      request.backend === 'hf-jobs' ? jobsNamespace(config, request, outputRepo) : null;
    const programConfig: TrainingProgramConfig = {
      ...request.config,
      outputRepo,
      dataset: {
        localDir: null,
        hubRepo: request.backend === 'hf-jobs' ? request.dataset.hubRepo : null,
        revision: 'main',
      },
      metricsFile: null,
    };
    // A local job reads its dataset from files handed to it; a Hugging Face Job from the Hub.
    const datasetFiles =
      request.backend === 'local'
        ? await Promise.all(
            (['train', 'validation', 'test'] as const).map(async (split) => ({
              name: DATASET_FILES[split],
              content: await readDatasetSplit(
                storage,
                request.dataset.datasetName,
                request.dataset.version,
                split,
              ),
            })),
          )
        : undefined;
    const backend = backendFor(dependencies, { backend: request.backend, namespace });
    const { jobId, launched } = await backend.findOrLaunch({
      launchKey: request.launchKey,
      config: programConfig,
      dryRun: request.dryRun,
      flavor: request.flavor,
      timeoutSeconds: request.timeoutMinutes * 60,
      datasetFiles,
    });
    await trainingJobs.recordLaunch(request.launchKey, {
      workflowId: request.workflowId,
      backend: request.backend,
      jobId,
      namespace,
      flavor: request.flavor,
      dryRun: request.dryRun,
      timeoutMinutes: request.timeoutMinutes,
      dataset: { name: request.dataset.datasetName, version: request.dataset.version },
      outputRepo,
    });
    log.info(launched ? 'Launched training job' : 'Found the training job launched before', {
      launchKey: request.launchKey,
      jobId,
      backend: request.backend,
    });
    return { jobId, launched };
  };
}
