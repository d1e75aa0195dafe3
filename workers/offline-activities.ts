// Every activity the offline worker registers, assembled from the composition root's ports.
// Tests build the offline activities from the ports they open themselves; what they leave out
// is built here from their config, exactly as the composition root builds it for a worker.
import { createCollectionActivities } from '../activities/collection/index.js';
import { createDatasetActivities } from '../activities/dataset/index.js';
import { createEtlActivities } from '../activities/etl/index.js';
import { createEvaluateActivities } from '../activities/evaluate/index.js';
import { createFineTuneActivities } from '../activities/fine-tune/index.js';
import { createRagActivities } from '../activities/rag/index.js';
import { createRefreshActivities } from '../activities/refresh/index.js';
import { createRoundTripActivities } from '../activities/round-trip/index.js';
import { createSummarizerEndpointActivities } from '../activities/summarizer-endpoint/index.js';
import { createWorkflowInputActivities } from '../activities/workflow-input/index.js';
import { createPageCrawler } from '../integrations/crawler/page-crawler.js';
import { LOCAL_LLM } from '../integrations/local-models/model-catalog.js';
import { createInferenceEndpointsClient } from '../integrations/huggingface/inference-endpoints.js';
import { createEndpointUsage } from '../integrations/llm/endpoint-usage.js';
import { agentTurnSteps } from '../integrations/mongo/stores/agent-turns.js';
import { createDatasetRegistry } from '../integrations/mongo/stores/dataset-registry.js';
import { createInferenceEndpointStore } from '../integrations/mongo/stores/inference-endpoints.js';
import { createModelRegistry } from '../integrations/mongo/stores/model-registry.js';
import { createRagChunkReader } from '../integrations/mongo/stores/rag-chunks.js';
import { createRagContextCache } from '../integrations/mongo/stores/rag-context-cache.js';
import { rawDocumentStore } from '../integrations/mongo/stores/raw-documents.js';
import { createRefreshStageLedger } from '../integrations/mongo/stores/refresh-stages.js';
import { createRoundTripDocumentStore } from '../integrations/mongo/stores/round-trip-documents.js';
import { createTrainingJobStore } from '../integrations/mongo/stores/training-jobs.js';
import { createSearchTablePublisher } from '../integrations/search/create-search-index.js';
import { findTurnTraceId } from '../integrations/tracing/mongo-trace-store.js';
import { createTrainingBackendFactory } from '../integrations/training/create-training-backend.js';
import { createHubs, type WorkerDependencies } from './dependencies.js';

/** Every activity the offline worker registers, built from injected dependencies. */
export function createOfflineActivities(
  dependencies: Pick<WorkerDependencies, 'config' | 'storage' | 'mongo' | 'notion'> &
    Partial<
      Pick<
        WorkerDependencies,
        | 'crawler'
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
  const datasetRegistry = createDatasetRegistry(mongo);
  const raw = rawDocumentStore(mongo);
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
    ...createRoundTripActivities({
      storage: dependencies.storage,
      documents: createRoundTripDocumentStore(mongo),
    }),
    ...createRagActivities({
      ...dependencies,
      raw,
      contextCache: createRagContextCache(mongo),
      searchTables: createSearchTablePublisher(config.rag),
    }),
    ...createCollectionActivities(dependencies),
    ...createRefreshActivities({ config, stages: createRefreshStageLedger(mongo) }),
    ...createDatasetActivities({
      storage: dependencies.storage,
      raw,
      registry: datasetRegistry,
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      hub: dependencies.datasetHub,
      defaultHubRepo: config.huggingFaceHub.datasetRepo,
    }),
    ...createEtlActivities({
      ...dependencies,
      raw,
      crawler: dependencies.crawler ?? createPageCrawler(),
      qualityScoring: config.models.llm.qualityScoring,
      modelsUnfitForScoring: [LOCAL_LLM.modelId],
    }),
    ...createFineTuneActivities({
      config,
      storage: dependencies.storage,
      datasetVersions: {
        find: (datasetName, version) => datasetRegistry.findVersion(datasetName, version),
      },
      trainingJobs: createTrainingJobStore(mongo),
      modelRegistry,
      endpointUsage,
      backends: dependencies.trainingBackends ?? createTrainingBackendFactory(config),
      llm: dependencies.llm,
      modelProblems: dependencies.modelProblems,
      modelHub: dependencies.modelHub ?? createHubs(config).modelHub,
    }),
    ...createEvaluateActivities({
      ...dependencies,
      turnSteps: agentTurnSteps(mongo),
      traceIdOfTurn: (turnId) => findTurnTraceId(mongo.db, turnId),
      ragChunks: createRagChunkReader(mongo),
    }),
  };
}
