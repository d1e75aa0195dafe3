// Opens the clients activities depend on, once per worker process, and closes them on shutdown.
import type { Config } from '../config/environment.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createDatasetHub, type DatasetHub } from '../integrations/huggingface/dataset-hub.js';
import { connectMongo, type MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../integrations/s3/object-storage.js';

export interface WorkerDependencies {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** The chat model; undefined until a provider is configured (LLM steps then fail clearly). */
  llm?: ChatModel;
  /** The Hugging Face Hub client for dataset publishing; undefined without HF_TOKEN. */
  datasetHub?: DatasetHub;
  close(): Promise<void>;
}

export async function openDependencies(config: Config): Promise<WorkerDependencies> {
  const storage = createObjectStorage(config.s3);
  const mongo = await connectMongo(config.mongodb);
  const { token, url } = config.huggingFaceHub;
  return {
    config,
    storage,
    mongo,
    datasetHub:
      token === undefined ? undefined : createDatasetHub({ accessToken: token, hubUrl: url }),
    async close() {
      storage.close();
      await mongo.close();
    },
  };
}
