import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';
import { createAgentActivities } from '../activities/agent-activities.js';
import { createWorkflowInputActivities } from '../activities/workflow-input-activities.js';
import { TASK_QUEUES } from '../domain/names.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createChatModel } from '../integrations/llm/create-chat-model.js';
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

/** The agent's worker, on its own task queue so offline pipelines never slow answers. */
export async function createAgentWorker(
  config: Config,
  options: AgentWorkerOptions = {},
): Promise<RunningWorker> {
  const ownModel = options.llm ? undefined : await createChatModel(config.models);
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
    onClose: async () => {
      await mongo.close();
      await dispose();
    },
    workerOptions: options.workerOptions,
  });
}
