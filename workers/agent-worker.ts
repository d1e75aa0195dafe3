import { Runtime, type WorkerOptions } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { Config } from '../config/environment.js';
import { createAgentActivities } from '../activities/agent/index.js';
import { createWorkflowInputActivities } from '../activities/workflow-input/index.js';
import { SecondBrainError } from '../domain/errors.js';
import { TASK_QUEUES } from '../domain/names.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createChatModel } from '../integrations/llm/create-chat-model.js';
import {
  createEndpointUsage,
  createRunningEndpointLookup,
} from '../integrations/llm/endpoint-usage.js';
import { createSummarizer, type Summarizer } from '../integrations/llm/summarizer.js';
import { connectMongo } from '../integrations/mongo/mongo-database.js';
import { createEmbeddingModel } from '../integrations/embeddings/create-embedding-model.js';
import type { EmbeddingModel } from '../integrations/embeddings/embedding-model.js';
import { createSearchIndex } from '../integrations/search/create-search-index.js';
import {
  createHybridRetriever,
  createMongoKeywordRetriever,
  type Retriever,
} from '../integrations/search/retriever.js';
import { withTracing } from '../integrations/llm/traced-chat-model.js';
import { withRetrievalTracing } from '../integrations/search/traced-retriever.js';
import { createConfiguredTracer } from '../integrations/tracing/create-tracer.js';
import { createWorker, type RunningWorker } from './create-worker.js';

export interface AgentWorkerOptions {
  taskQueue?: string;
  workerOptions?: Partial<WorkerOptions>;
  /** The chat model; the configured provider when omitted. */
  llm?: ChatModel;
  /** The retriever; keyword search over the `rag` collection when omitted. */
  retriever?: Retriever;
  summarizer?: Summarizer;
}

/**
 * The configured chat model. When it cannot load (e.g. not pulled yet) the worker still serves,
 * and each question fails at once with the reason instead of the worker refusing to start.
 */
async function loadChatModel(config: Config): Promise<ChatModel> {
  try {
    return await createChatModel(config.models);
  } catch (error) {
    const reason = `chat model ${config.models.llm.provider}/${config.models.llm.model} is unavailable: ${(error as Error).message}`;
    Runtime.instance().logger.warn(reason);
    return {
      provider: config.models.llm.provider,
      modelId: config.models.llm.model,
      contextWindow: config.models.llm.contextSize,
      countTokens: (text) => Math.ceil(text.length / 4),
      chat: () => Promise.reject(new SecondBrainError('permanent', reason, { cause: error })),
    };
  }
}

/** Hybrid search over the rag index with the configured embedding model, keyword search without. */
async function defaultRetriever(config: Config, db: Db): Promise<Retriever> {
  const keyword = createMongoKeywordRetriever(db);
  let embeddings: EmbeddingModel | undefined;
  try {
    embeddings = await createEmbeddingModel(config.models);
  } catch (error) {
    Runtime.instance().logger.warn(
      `Embedding model unavailable, the agent searches by keywords only: ${(error as Error).message}`,
    );
  }
  return createHybridRetriever(createSearchIndex(db, config.rag, embeddings), keyword);
}

/** The agent's worker, on its own task queue so offline pipelines never slow answers. */
export async function createAgentWorker(
  config: Config,
  options: AgentWorkerOptions = {},
): Promise<RunningWorker> {
  const ownModel = options.llm ? undefined : await loadChatModel(config);
  const llm = options.llm ?? ownModel!;
  const dispose = async () => {
    if (ownModel && 'dispose' in ownModel && typeof ownModel.dispose === 'function')
      await (ownModel.dispose as () => Promise<void>)();
  };
  let mongo;
  try {
    mongo = await connectMongo(config.mongodb);
  } catch (error) {
    await dispose();
    throw error;
  }
  // Every LLM call, tool call and retrieval of a turn is traced (MongoDB, and Opik when set).
  const tracer = createConfiguredTracer(config, mongo.db, (message, meta) => {
    Runtime.instance().logger.warn(message, meta);
  });
  const retriever = options.retriever ?? (await defaultRetriever(config, mongo.db));
  const tracedLlm = withTracing(llm, tracer);
  return createWorker(config, {
    taskQueue: options.taskQueue ?? TASK_QUEUES.agent,
    workflows: 'agent',
    activities: {
      ...createWorkflowInputActivities(),
      ...createAgentActivities({
        mongo,
        settings: config.agent,
        llm: tracedLlm,
        retriever: withRetrievalTracing(retriever, tracer),
        // The fine-tuned model's endpoint when SUMMARIZER_ENDPOINT_URL is set, else the chat model.
        summarizer:
          options.summarizer ??
          createSummarizer({
            endpoint: {
              url: config.summarizer.endpointUrl,
              apiKey: config.huggingFaceHub.token,
              model: config.summarizer.endpointModel,
              timeoutMs: config.models.llm.timeoutMs,
              usage: createEndpointUsage(mongo.db),
            },
            llm: tracedLlm,
            findRunningEndpoint: createRunningEndpointLookup(mongo.db, {
              name: config.summarizer.endpointName,
              namespace: config.summarizer.endpointNamespace,
            }),
          }),
      }),
    },
    tracer,
    onClose: async () => {
      await tracer.close();
      await mongo.close();
      await dispose();
    },
    workerOptions: options.workerOptions,
  });
}
