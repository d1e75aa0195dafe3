import type { WorkerDependencies } from '../workers/dependencies.js';
import { createCollectionActivities } from './collection-activities.js';
import { createRagActivities } from './rag/index.js';
import { createSearchTablePublisher } from '../integrations/search/create-search-index.js';
import { createRefreshActivities } from './refresh-activities.js';
import { createDatasetActivities } from './dataset-activities.js';
import { createEndpointActivities } from './endpoint-activities.js';
import { createEtlActivities } from './etl-activities.js';
import { createEvaluationActivities } from './evaluation-activities.js';
import { createRoundTripActivities } from './round-trip-activities.js';
import { createTrainingActivities } from './training-activities.js';
import { createDatasetHub } from '../integrations/huggingface/dataset-hub.js';
import { createTrainingBackendFactory } from '../integrations/training/create-training-backend.js';
import { createWorkflowInputActivities } from './workflow-input-activities.js';

/** Every activity the offline worker registers, built from injected dependencies. */
export function createOfflineActivities(
  dependencies: Pick<WorkerDependencies, 'config' | 'storage' | 'mongo' | 'notion'> &
    Partial<
      Pick<
        WorkerDependencies,
        'embeddings' | 'llm' | 'judge' | 'modelProblems' | 'datasetHub' | 'opik' | 'temporalClient'
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
    ...createRagActivities({
      ...dependencies,
      searchTables: createSearchTablePublisher(dependencies.config.rag),
    }),
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
      backends: createTrainingBackendFactory(dependencies.config),
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      modelHub:
        dependencies.config.huggingFaceHub.token === undefined
          ? undefined
          : createDatasetHub({
              accessToken: dependencies.config.huggingFaceHub.token,
              hubUrl: dependencies.config.huggingFaceHub.url,
              repoType: 'model',
            }),
    }),
    ...createEvaluationActivities(dependencies),
  };
}
