import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';
import { createAgentActivities } from '../activities/agent-activities.js';
import { createWorkflowInputActivities } from '../activities/workflow-input-activities.js';
import { SecondBrainError } from '../domain/errors.js';
import { TASK_QUEUES } from '../domain/names.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import type { Summarizer } from '../integrations/llm/summarizer.js';
import { connectMongo } from '../integrations/mongo/mongo-database.js';
import { createMongoKeywordRetriever, type Retriever } from '../integrations/search/retriever.js';
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

/** The configured chat model. Model providers plug in here. */
// eslint-disable-next-line @typescript-eslint/require-await -- providers load asynchronously
export async function createConfiguredChatModel(_config: Config): Promise<ChatModel> {
  throw new SecondBrainError(
    'validation',
    'No chat model provider is available in this build; pass one to createAgentWorker',
  );
}

/** The agent's worker, on its own task queue so offline pipelines never slow answers. */
export async function createAgentWorker(
  config: Config,
  options: AgentWorkerOptions = {},
): Promise<RunningWorker> {
  const llm = options.llm ?? (await createConfiguredChatModel(config));
  const mongo = await connectMongo(config.mongodb);
  return createWorker(config, {
    taskQueue: options.taskQueue ?? TASK_QUEUES.agent,
    workflows: 'agent',
    activities: {
      ...createWorkflowInputActivities(),
      ...createAgentActivities({
        mongo,
        llm,
        retriever: options.retriever ?? createMongoKeywordRetriever(mongo.db),
        summarizer: options.summarizer,
      }),
    },
    onClose: () => mongo.close(),
    workerOptions: options.workerOptions,
  });
}
