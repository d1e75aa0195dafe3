// Opens the clients activities depend on, once per worker process, and closes them on shutdown.
import type { Config } from '../config/environment.js';
import type { EmbeddingModel } from '../integrations/embeddings/embedding-model.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { connectMongo, type MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../integrations/s3/object-storage.js';

export interface WorkerDependencies {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** The configured embedding model, once a provider is configured (rag activities need it). */
  embeddings?: EmbeddingModel;
  /** The configured chat model (contextual retrieval needs it). */
  llm?: ChatModel;
  close(): Promise<void>;
}

export async function openDependencies(config: Config): Promise<WorkerDependencies> {
  const storage = createObjectStorage(config.s3);
  const mongo = await connectMongo(config.mongodb);
  return {
    config,
    storage,
    mongo,
    async close() {
      storage.close();
      await mongo.close();
    },
  };
}
