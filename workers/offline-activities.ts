// Tests build the offline activities from the ports they open themselves; what they leave out
// is built here from their config, exactly as the composition root builds it for a worker.
import { createHubs, type WorkerDependencies } from './dependencies.js';
import { createTrainingBackendFactory } from '../integrations/training/create-training-backend.js';
import { createCollectionActivities } from '../activities/collection/index.js';
import { createRagActivities } from '../activities/rag-activities.js';
import { createRefreshActivities } from '../activities/refresh-activities.js';
import { createDatasetActivities } from '../activities/dataset-activities.js';
import { createEndpointActivities } from '../activities/endpoint-activities.js';
import { createEtlActivities } from '../activities/etl/index.js';
import { createEvaluationActivities } from '../activities/evaluation-activities.js';
import { createRoundTripActivities } from '../activities/round-trip-activities.js';
import { createTrainingActivities } from '../activities/training-activities.js';
import { createWorkflowInputActivities } from '../activities/workflow-input-activities.js';

/** Every activity the offline worker registers, built from injected dependencies. */
export function createOfflineActivities(
  dependencies: Pick<WorkerDependencies, 'config' | 'storage' | 'mongo' | 'notion'> &
    Partial<
      Pick<
        WorkerDependencies,
        | 'embeddings'
        | 'llm'
        | 'judge'
        | 'modelProblems'
        | 'datasetHub'
        | 'modelHub'
        | 'trainingBackends'
        | 'opik'
        | 'temporalClient'
      >
    > & {
      /** Tests shorten the crawler's retry backoff. */
      crawlRetryBackoffMs?: number;
    },
) {
  return {
    ...createWorkflowInputActivities(),
    ...createEndpointActivities({ config: dependencies.config, mongo: dependencies.mongo }),
    ...createRoundTripActivities(dependencies),
    ...createRagActivities(dependencies),
    ...createCollectionActivities(dependencies),
    ...createRefreshActivities(dependencies),
    ...createDatasetActivities({
      storage: dependencies.storage,
      mongo: dependencies.mongo,
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      hub: dependencies.datasetHub,
      defaultHubRepo: dependencies.config.huggingFaceHub.datasetRepo,
    }),
    ...createEtlActivities(dependencies),
    ...createTrainingActivities({
      config: dependencies.config,
      storage: dependencies.storage,
      mongo: dependencies.mongo,
      backends: dependencies.trainingBackends ?? createTrainingBackendFactory(dependencies.config),
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      modelHub: dependencies.modelHub ?? createHubs(dependencies.config).modelHub,
    }),
    ...createEvaluationActivities(dependencies),
  };
}
