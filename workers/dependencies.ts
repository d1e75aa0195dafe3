// Opens the clients activities depend on, once per worker process, and closes them on shutdown.
import type { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import type { Opik } from 'opik';
import { createAgentTurnRunner } from '../clients/agent-client.js';
import { connectClient } from '../clients/temporal-client.js';
import type { Config } from '../config/environment.js';
import type { RunAgentTurn } from '../domain/evaluation-run.js';
import { COLLECTIONS } from '../domain/names.js';
import { createEmbeddingModel } from '../integrations/embeddings/create-embedding-model.js';
import type { EmbeddingModel } from '../integrations/embeddings/embedding-model.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createChatModel } from '../integrations/llm/create-chat-model.js';
import { withResponseCache, type CachedChatResponse } from '../integrations/llm/response-cache.js';
import { withTracing } from '../integrations/llm/traced-chat-model.js';
import { createConfiguredTracer } from '../integrations/tracing/create-tracer.js';
import { createOpikClient } from '../integrations/tracing/opik-client.js';
import type { Tracer } from '../integrations/tracing/tracer.js';
import {
  createHubRepositories,
  type HubRepositories,
} from '../integrations/huggingface/hub-repositories.js';
import { connectMongo, type MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createNotionGateway, type NotionGateway } from '../integrations/notion/notion-client.js';
import { createObjectStorage, type ObjectStorage } from '../integrations/s3/object-storage.js';

export interface WorkerDependencies {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** Notion behind one throttle shared by every activity of this worker. */
  notion: NotionGateway;
  /** The configured chat model behind the response cache; undefined when it could not load. */
  llm: ChatModel | undefined;
  embeddings: EmbeddingModel | undefined;
  /** Why a model is missing (e.g. "run second-brain models pull"), for clear activity errors. */
  modelProblems: string[];
  /** The Hugging Face Hub client for dataset publishing; undefined without HF_TOKEN. */
  datasetHub?: HubRepositories;
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

type Disposable = { dispose?: () => Promise<void> };

async function loadModels(config: Config, mongo: MongoDatabase, tracer: Tracer) {
  const problems: string[] = [];
  let llm: (ChatModel & Disposable) | undefined;
  let judge: (ChatModel & Disposable) | undefined;
  let embeddings: (EmbeddingModel & Disposable) | undefined;
  try {
    llm = await createChatModel(config.models);
  } catch (error) {
    problems.push(
      `chat model ${config.models.llm.provider}/${config.models.llm.model}: ${(error as Error).message}`,
    );
  }
  if (!config.evaluation.judgeIsWorkerModel) {
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
    embeddings = await createEmbeddingModel(config.models);
  } catch (error) {
    problems.push(
      `embedding model ${config.models.embeddings.provider}/${config.models.embeddings.model}: ${(error as Error).message}`,
    );
  }
  // Tracing outside the cache: a cached answer shows up as a cached, free LLM span.
  const cacheCollection = mongo.db.collection<CachedChatResponse>(COLLECTIONS.llmCache);
  const wrap = (model: ChatModel) => withTracing(withResponseCache(model, cacheCollection), tracer);
  const cached = llm && wrap(llm);
  return {
    llm: cached,
    judge: config.evaluation.judgeIsWorkerModel ? cached : judge && wrap(judge),
    embeddings,
    problems,
    dispose: async () => {
      await llm?.dispose?.();
      await judge?.dispose?.();
      await embeddings?.dispose?.();
    },
  };
}

export async function openDependencies(
  config: Config,
  options: { models?: boolean } = {},
): Promise<WorkerDependencies> {
  const storage = createObjectStorage(config.s3);
  // A fresh install has no bucket until something is written; a refresh before any import or
  // collection would otherwise fail on NoSuchBucket instead of finding nothing to do. An S3
  // server that is down now is not fatal: the activities' retries wait for it.
  await storage.ensureBucket().catch((error: unknown) => {
    Runtime.instance().logger.warn(`S3 bucket ${config.s3.bucket} not ensured: ${String(error)}`);
  });
  const mongo = await connectMongo(config.mongodb);
  const tracer = createConfiguredTracer(config, mongo.db, (message, meta) => {
    Runtime.instance().logger.warn(message, meta);
  });
  const models =
    options.models === false
      ? {
          llm: undefined,
          judge: undefined,
          embeddings: undefined,
          problems: ['models are not loaded in this process'],
          dispose: async () => {},
        }
      : await loadModels(config, mongo, tracer);
  // A worker without models still serves everything else; activities that need one say why.
  for (const problem of models.problems)
    Runtime.instance().logger.warn(`Model unavailable: ${problem}`);
  const { token, url } = config.huggingFaceHub;
  let opik: Opik | undefined;
  if (config.opik.enabled) {
    try {
      opik = createOpikClient(config.opik);
    } catch (error) {
      Runtime.instance().logger.warn('Opik is configured but its client could not be created', {
        error: (error as Error).message,
      });
    }
  }
  let temporal: Promise<Client> | undefined;
  const temporalClient = () => {
    temporal ??= connectClient(config).catch((error: unknown) => {
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
    llm: models.llm,
    judge: models.judge,
    opik,
    temporalClient,
    runAgentTurn: createAgentTurnRunner(temporalClient, config),
    embeddings: models.embeddings,
    modelProblems: models.problems,
    datasetHub:
      token === undefined ? undefined : createHubRepositories({ accessToken: token, hubUrl: url }),
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
