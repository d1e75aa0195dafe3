// The composition root: every port (storage, MongoDB, Notion, models, search, summarizer,
// hubs, training backends, tracing, Temporal) is built here, once per worker process, and
// closed here on shutdown. The workers take slices of it; activities receive what they need
// as arguments and never build a client themselves. Tests pass overrides for the few ports
// they script (a chat model, a retriever) and get everything else exactly as production does.
import type { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import type { Opik } from 'opik';
import type { Config } from '../config/environment.js';
import type { RunAgentTurn } from '../domain/evaluation-run.js';
import { COLLECTIONS } from '../domain/names.js';
import { createEmbeddingModel } from '../integrations/embeddings/create-embedding-model.js';
import { createPageCrawler, type PageCrawler } from '../integrations/crawler/page-crawler.js';
import type { EmbeddingModel } from '../integrations/embeddings/embedding-model.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createChatModel } from '../integrations/llm/create-chat-model.js';
import { createEndpointUsage } from '../integrations/llm/endpoint-usage.js';
import { withResponseCache, type CachedChatResponse } from '../integrations/llm/response-cache.js';
import { createSummarizer, type Summarizer } from '../integrations/llm/summarizer.js';
import { withTracing } from '../integrations/llm/traced-chat-model.js';
import { unavailableChatModel } from '../integrations/llm/unavailable-chat-model.js';
import { createConfiguredTracer } from '../integrations/tracing/create-tracer.js';
import { createOpikClient } from '../integrations/tracing/opik-client.js';
import type { Tracer } from '../integrations/tracing/tracer.js';
import {
  createHubRepositories,
  type HubRepositories,
} from '../integrations/huggingface/hub-repositories.js';
import { connectMongo, type MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createRunningEndpointLookup } from '../integrations/mongo/stores/inference-endpoints.js';
import { createNotionGateway, type NotionGateway } from '../integrations/notion/notion-client.js';
import { createObjectStorage, type ObjectStorage } from '../integrations/s3/object-storage.js';
import { createSearchIndex } from '../integrations/search/create-search-index.js';
import {
  createHybridRetriever,
  createMongoKeywordRetriever,
  type Retriever,
} from '../integrations/search/retriever.js';
import { withRetrievalTracing } from '../integrations/search/traced-retriever.js';
import { createAgentTurnRunner } from '../integrations/temporal/agent-conversations.js';
import { connectTemporalClient } from '../integrations/temporal/temporal-connection.js';
import { createTrainingBackendFactory } from '../integrations/training/create-training-backend.js';

export interface WorkerDependencies {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** Notion behind one throttle shared by every activity of this worker. */
  notion: NotionGateway;
  /** The ETL's crawler: one per process, so its warm extraction threads serve every batch. */
  crawler: PageCrawler;
  /** The configured chat model behind the response cache; undefined when it could not load. */
  llm: ChatModel | undefined;
  embeddings: EmbeddingModel | undefined;
  /** Why a model is missing (e.g. "run second-brain models pull"), for clear activity errors. */
  modelProblems: string[];
  /** The Hugging Face Hub client for dataset publishing; undefined without HF_TOKEN. */
  datasetHub?: HubRepositories;
  /** The same Hub, for model repositories (model cards); undefined without HF_TOKEN. */
  modelHub?: HubRepositories;
  /** Picks a training backend (local process or Hugging Face Jobs) per job. */
  trainingBackends: ReturnType<typeof createTrainingBackendFactory>;
  /** Records the spans of LLM calls made inside activities (MongoDB, and Opik when set). */
  tracer: Tracer;
  /** The evaluation judge: the worker's chat model unless EVAL_JUDGE_* name another. */
  judge: ChatModel | undefined;
  /** The Opik client when Opik is configured (evaluation datasets and experiments). */
  opik?: Opik;
  /** A Temporal client, connected on first use (evaluation asks the agent through it). */
  temporalClient(): Promise<Client>;
  /** Runs an agent turn over the agent's task queue (evaluation asks its questions through it). */
  runAgentTurn: RunAgentTurn;
  close(): Promise<void>;
}

/** What the agent worker's activities use: traced, and never undefined. */
export interface AgentDependencies {
  config: Config;
  mongo: MongoDatabase;
  tracer: Tracer;
  /** The chat model; when it could not load, one that fails each call naming the reason. */
  llm: ChatModel;
  retriever: Retriever;
  summarizer: Summarizer;
  close(): Promise<void>;
}

/** Ports a test (or an embedding program) replaces; everything else is built from config. */
export interface DependencyOverrides {
  llm?: ChatModel;
  retriever?: Retriever;
  summarizer?: Summarizer;
}

type Disposable = { dispose?: () => Promise<void> };

interface LoadedModels {
  llm: ChatModel | undefined;
  judge: ChatModel | undefined;
  embeddings: EmbeddingModel | undefined;
  problems: string[];
  dispose(): Promise<void>;
}

/**
 * The one policy for a model that cannot load (not pulled yet, a bad key): the worker still
 * starts and serves everything else, the problem is logged once, and each activity that needs
 * the model fails non-retryably with this reason instead of the worker refusing to start.
 */
async function loadModels(
  config: Config,
  mongo: MongoDatabase,
  tracer: Tracer,
  options: { judge: boolean; cache: boolean; embeddings?: boolean; llm?: ChatModel },
): Promise<LoadedModels> {
  const problems: string[] = [];
  let llm: (ChatModel & Disposable) | undefined;
  let judge: (ChatModel & Disposable) | undefined;
  let embeddings: (EmbeddingModel & Disposable) | undefined;
  if (!options.llm) {
    try {
      llm = await createChatModel(config.models);
    } catch (error) {
      problems.push(
        `chat model ${config.models.llm.provider}/${config.models.llm.model}: ${(error as Error).message}`,
      );
    }
  }
  if (options.judge && !config.evaluation.judgeIsWorkerModel) {
    const { judgeProvider, judgeModel } = config.evaluation;
    try {
      judge = await createChatModel({
        ...config.models,
        llm: {
          ...config.models.llm,
          provider: judgeProvider,
          model: judgeModel,
          apiKey: config.evaluation.judgeApiKey,
        },
      });
    } catch (error) {
      problems.push(`judge model ${judgeProvider}/${judgeModel}: ${(error as Error).message}`);
    }
  }
  try {
    if (options.embeddings !== false) embeddings = await createEmbeddingModel(config.models);
  } catch (error) {
    problems.push(
      `embedding model ${config.models.embeddings.provider}/${config.models.embeddings.model}: ${(error as Error).message}`,
    );
  }
  // Offline pipelines repeat prompts (a retried batch, a re-run): the cache makes them free. The
  // agent's prompts carry the conversation, so they never repeat and are not cached. Tracing sits
  // outside the cache: a cached answer shows up as a cached, free LLM span.
  const cacheCollection = mongo.db.collection<CachedChatResponse>(COLLECTIONS.llmCache);
  const wrap = (model: ChatModel) =>
    withTracing(options.cache ? withResponseCache(model, cacheCollection) : model, tracer);
  const chosen = options.llm ?? llm;
  const wrapped = chosen && wrap(chosen);
  return {
    llm: wrapped,
    judge: config.evaluation.judgeIsWorkerModel ? wrapped : judge && wrap(judge),
    embeddings,
    problems,
    dispose: async () => {
      await llm?.dispose?.();
      await judge?.dispose?.();
      await embeddings?.dispose?.();
    },
  };
}

const NO_MODELS: LoadedModels = {
  llm: undefined,
  judge: undefined,
  embeddings: undefined,
  problems: ['models are not loaded in this process'],
  dispose: async () => {},
};

function warn(message: string, meta?: Record<string, unknown>): void {
  Runtime.instance().logger.warn(message, meta);
}

function createOpik(config: Config): Opik | undefined {
  if (!config.opik.enabled) return undefined;
  try {
    return createOpikClient(config.opik);
  } catch (error) {
    warn('Opik is configured but its client could not be created', {
      error: (error as Error).message,
    });
    return undefined;
  }
}

export function createHubs(config: Config): {
  datasetHub?: HubRepositories;
  modelHub?: HubRepositories;
} {
  const { token, url } = config.huggingFaceHub;
  if (token === undefined) return {};
  return {
    datasetHub: createHubRepositories({ accessToken: token, hubUrl: url }),
    modelHub: createHubRepositories({ accessToken: token, hubUrl: url, repoType: 'model' }),
  };
}

/** Hybrid search over the rag index with the configured embedding model, keywords without. */
function createRetriever(
  config: Config,
  mongo: MongoDatabase,
  embeddings: EmbeddingModel | undefined,
): Retriever {
  if (!embeddings) warn('Embedding model unavailable: the agent searches by keywords only');
  return createHybridRetriever(
    createSearchIndex(mongo.db, config.rag, embeddings),
    createMongoKeywordRetriever(mongo.db),
  );
}

/** The fine-tuned model's endpoint when one is configured or running, else the chat model. */
function createConfiguredSummarizer(
  config: Config,
  mongo: MongoDatabase,
  llm: ChatModel,
): Summarizer {
  return createSummarizer({
    endpoint: {
      url: config.summarizer.endpointUrl,
      apiKey: config.huggingFaceHub.token,
      model: config.summarizer.endpointModel,
      timeoutMs: config.models.llm.timeoutMs,
      usage: createEndpointUsage(mongo.db),
    },
    llm,
    findRunningEndpoint: createRunningEndpointLookup(mongo.db, {
      name: config.summarizer.endpointName,
      namespace: config.summarizer.endpointNamespace,
    }),
  });
}

/** Everything the offline pipelines use. */
export async function openDependencies(
  config: Config,
  options: { models?: boolean } = {},
): Promise<WorkerDependencies> {
  const storage = createObjectStorage(config.s3);
  // A fresh install has no bucket until something is written; a refresh before any import or
  // collection would otherwise fail on NoSuchBucket instead of finding nothing to do. An S3
  // server that is down now is not fatal: the activities' retries wait for it.
  await storage.ensureBucket().catch((error: unknown) => {
    warn(`S3 bucket ${config.s3.bucket} not ensured: ${String(error)}`);
  });
  const mongo = await connectMongo(config.mongodb);
  const tracer = createConfiguredTracer(config, mongo.db, warn);
  const models =
    options.models === false
      ? NO_MODELS
      : await loadModels(config, mongo, tracer, { judge: true, cache: true });
  for (const problem of models.problems) warn(`Model unavailable: ${problem}`);
  let temporal: Promise<Client> | undefined;
  const temporalClient = () => {
    temporal ??= connectTemporalClient(config).catch((error: unknown) => {
      temporal = undefined;
      throw error;
    });
    return temporal;
  };
  return {
    config,
    storage,
    mongo,
    notion: createNotionGateway(config.notion),
    crawler: createPageCrawler(),
    llm: models.llm,
    judge: models.judge,
    embeddings: models.embeddings,
    modelProblems: models.problems,
    ...createHubs(config),
    trainingBackends: createTrainingBackendFactory(config),
    opik: createOpik(config),
    temporalClient,
    runAgentTurn: createAgentTurnRunner(temporalClient, config),
    tracer,
    async close() {
      await tracer.close();
      await temporal?.then((client) => client.connection.close()).catch(() => undefined);
      storage.close();
      await models.dispose();
      await mongo.close();
    },
  };
}

/** Everything the agent worker uses: its own process, so answers never wait for a pipeline. */
export async function openAgentDependencies(
  config: Config,
  overrides: DependencyOverrides = {},
): Promise<AgentDependencies> {
  const mongo = await connectMongo(config.mongodb);
  const tracer = createConfiguredTracer(config, mongo.db, warn);
  const models = await loadModels(config, mongo, tracer, {
    judge: false,
    cache: false,
    // A scripted retriever needs no query embeddings.
    embeddings: overrides.retriever === undefined,
    llm: overrides.llm,
  });
  for (const problem of models.problems) warn(`Model unavailable: ${problem}`);
  const llm =
    models.llm ??
    withTracing(unavailableChatModel(config.models.llm, models.problems.join('; ')), tracer);
  return {
    config,
    mongo,
    tracer,
    llm,
    retriever: withRetrievalTracing(
      overrides.retriever ?? createRetriever(config, mongo, models.embeddings),
      tracer,
    ),
    summarizer: overrides.summarizer ?? createConfiguredSummarizer(config, mongo, llm),
    async close() {
      await tracer.close();
      await models.dispose();
      await mongo.close();
    },
  };
}
