// Every activity the offline worker registers, assembled from the composition root's ports.
// Tests build the offline activities from the ports they open themselves; what they leave out
// is built here from their config, exactly as the composition root builds it for a worker.
import { createCollectionActivities } from '../activities/collection/index.js';
import {
  createDatasetActivities,
  type DatasetRegistryEntry,
} from '../activities/dataset-activities.js';
import { createEtlActivities } from '../activities/etl/index.js';
import { createEvaluateActivities } from '../activities/evaluate/index.js';
import { createFineTuneActivities, type DatasetVersions } from '../activities/fine-tune/index.js';
import { createRagActivities } from '../activities/rag-activities.js';
import { createRefreshActivities } from '../activities/refresh/index.js';
import { createRoundTripActivities } from '../activities/round-trip/index.js';
import { createSummarizerEndpointActivities } from '../activities/summarizer-endpoint/index.js';
import { createWorkflowInputActivities } from '../activities/workflow-input/index.js';
import { COLLECTIONS } from '../domain/names.js';
import { createInferenceEndpointsClient } from '../integrations/huggingface/inference-endpoints.js';
import { createEndpointUsage } from '../integrations/llm/endpoint-usage.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createInferenceEndpointStore } from '../integrations/mongo/stores/inference-endpoints.js';
import { createModelRegistry } from '../integrations/mongo/stores/model-registry.js';
import { createRefreshStageLedger } from '../integrations/mongo/stores/refresh-stages.js';
import { createTrainingJobStore } from '../integrations/mongo/stores/training-jobs.js';
import { createTrainingBackendFactory } from '../integrations/training/create-training-backend.js';
import { createHubs, type WorkerDependencies } from './dependencies.js';

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
        | 'embeddings'
        | 'llm'
        | 'judge'
        | 'modelProblems'
        | 'datasetHub'
        | 'modelHub'
        | 'trainingBackends'
        | 'opik'
        | 'runAgentTurn'
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
      mongo,
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      hub: dependencies.datasetHub,
      defaultHubRepo: config.huggingFaceHub.datasetRepo,
    }),
    ...createEtlActivities(dependencies),
    ...createFineTuneActivities({
      config,
      storage: dependencies.storage,
      datasetVersions: datasetVersions(mongo),
      trainingJobs: createTrainingJobStore(mongo),
      modelRegistry,
      endpointUsage,
      backends: dependencies.trainingBackends ?? createTrainingBackendFactory(config),
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      modelHub: dependencies.modelHub ?? createHubs(config).modelHub,
    }),
    ...createEvaluateActivities(dependencies),
  };
}
