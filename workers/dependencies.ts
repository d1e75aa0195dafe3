// Opens the clients activities depend on, once per worker process, and closes them on shutdown.
import type { Config } from '../config/environment.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createChatModel } from '../integrations/llm/create-chat-model.js';
import { createDatasetHub, type DatasetHub } from '../integrations/huggingface/dataset-hub.js';
import { connectMongo, type MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createNotionGateway, type NotionGateway } from '../integrations/notion/notion-client.js';
import { createObjectStorage, type ObjectStorage } from '../integrations/s3/object-storage.js';

export interface WorkerDependencies {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** Notion behind one throttle shared by every activity of this worker. */
  notion: NotionGateway;
  /**
   * The configured chat model, opened on first use: a worker that never runs an LLM step never
   * loads a local model, and one that cannot open it fails that step with the reason.
   */
  llm?: () => Promise<ChatModel>;
  /** The Hugging Face Hub client for dataset publishing; undefined without HF_TOKEN. */
  datasetHub?: DatasetHub;
  close(): Promise<void>;
}

export async function openDependencies(config: Config): Promise<WorkerDependencies> {
  const storage = createObjectStorage(config.s3);
  const mongo = await connectMongo(config.mongodb);
  const { token, url } = config.huggingFaceHub;
  let chatModel: Promise<ChatModel> | undefined;
  return {
    config,
    storage,
    mongo,
    notion: createNotionGateway(config.notion),
    llm: () =>
      (chatModel ??= createChatModel(config.models).catch((error: unknown) => {
        chatModel = undefined; // not pulled yet, say: the next attempt tries again
        throw error;
      })),
    datasetHub:
      token === undefined ? undefined : createDatasetHub({ accessToken: token, hubUrl: url }),
    async close() {
      storage.close();
      await mongo.close();
      const opened = await chatModel?.catch(() => undefined);
      if (opened && 'dispose' in opened && typeof opened.dispose === 'function')
        await (opened.dispose as () => Promise<void>)();
    },
  };
}
