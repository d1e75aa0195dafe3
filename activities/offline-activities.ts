import type { WorkerDependencies } from '../workers/dependencies.js';
import { createCollectionActivities } from './collection-activities.js';
import { createRagActivities } from './rag-activities.js';
import { createRefreshActivities } from './refresh/index.js';
import { createDatasetActivities } from './dataset-activities.js';
import { createSummarizerEndpointActivities } from './summarizer-endpoint/index.js';
import { createEtlActivities } from './etl-activities.js';
import { createEvaluateActivities } from './evaluate/index.js';
import { createRoundTripActivities } from './round-trip/index.js';
import { createFineTuneActivities, type DatasetVersions } from './fine-tune/index.js';
import type { DatasetRegistryEntry } from './dataset-activities.js';
import { COLLECTIONS } from '../domain/names.js';
import { createHubRepositories } from '../integrations/huggingface/hub-repositories.js';
import { createInferenceEndpointsClient } from '../integrations/huggingface/inference-endpoints.js';
import { createEndpointUsage } from '../integrations/llm/endpoint-usage.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createInferenceEndpointStore } from '../integrations/mongo/stores/inference-endpoints.js';
import { createModelRegistry } from '../integrations/mongo/stores/model-registry.js';
import { createRefreshStageLedger } from '../integrations/mongo/stores/refresh-stages.js';
import { createTrainingJobStore } from '../integrations/mongo/stores/training-jobs.js';
import { createTrainingBackendFactory } from '../integrations/training/create-training-backend.js';
import { createWorkflowInputActivities } from './workflow-input/index.js';

/** The dataset registry as fine-tune reads it (until the dataset-registry store offers this). */
function datasetVersions(mongo: MongoDatabase): DatasetVersions {
  const registry = mongo.db.collection<DatasetRegistryEntry>(COLLECTIONS.datasets);
  return {
    async find(datasetName, version) {
      return version === undefined
        ? ((await registry.find({ datasetName }).sort({ createdAt: -1 }).limit(1).toArray())[0] ??
            null)
        : registry.findOne({ _id: `${datasetName}@${version}` });
    },
  };
}

/** Every activity the offline worker registers, built from injected dependencies. */
export function createOfflineActivities(
  dependencies: Pick<WorkerDependencies, 'config' | 'storage' | 'mongo' | 'notion'> &
    Partial<
      Pick<
        WorkerDependencies,
        'embeddings' | 'llm' | 'judge' | 'modelProblems' | 'datasetHub' | 'opik' | 'runAgentTurn'
      >
    > & {
      /** Tests shorten the crawler's retry backoff. */
      crawlRetryBackoffMs?: number;
    },
) {
  const { config, mongo } = dependencies;
  const modelRegistry = createModelRegistry(mongo);
  const endpointUsage = createEndpointUsage(mongo.db);
  return {
    ...createWorkflowInputActivities(),
    ...createSummarizerEndpointActivities({
      config,
      client: createInferenceEndpointsClient({
        apiUrl: config.summarizer.endpointsApiUrl,
        token: config.huggingFaceHub.token,
      }),
      endpoints: createInferenceEndpointStore(mongo),
      modelRegistry,
      endpointUsage,
    }),
    ...createRoundTripActivities(dependencies),
    ...createRagActivities(dependencies),
    ...createCollectionActivities(dependencies),
    ...createRefreshActivities({ config, stages: createRefreshStageLedger(mongo) }),
    ...createDatasetActivities({
      storage: dependencies.storage,
      mongo: dependencies.mongo,
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      hub: dependencies.datasetHub,
      defaultHubRepo: dependencies.config.huggingFaceHub.datasetRepo,
    }),
    ...createEtlActivities(dependencies),
    ...createFineTuneActivities({
      config,
      storage: dependencies.storage,
      datasetVersions: datasetVersions(mongo),
      trainingJobs: createTrainingJobStore(mongo),
      modelRegistry,
      endpointUsage,
      backends: createTrainingBackendFactory(dependencies.config),
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      modelHub:
        dependencies.config.huggingFaceHub.token === undefined
          ? undefined
          : createHubRepositories({
              accessToken: dependencies.config.huggingFaceHub.token,
              hubUrl: dependencies.config.huggingFaceHub.url,
              repoType: 'model',
            }),
    }),
    ...createEvaluateActivities(dependencies),
  };
}
