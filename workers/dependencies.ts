// Opens the clients activities depend on, once per worker process, and closes them on shutdown.
import type { Config } from '../config/environment.js';
import { createEmbeddingModel } from '../integrations/embeddings/create-embedding-model.js';
import type { EmbeddingModel } from '../integrations/embeddings/embedding-model.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import { createChatModel } from '../integrations/llm/create-chat-model.js';
import { connectMongo, type MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../integrations/s3/object-storage.js';

export interface WorkerDependencies {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** The configured embedding model, loaded on first use (rag activities need it). */
  embeddings?: ModelSource<EmbeddingModel>;
  /** The configured chat model, loaded on first use (contextual retrieval needs it). */
  llm?: ModelSource<ChatModel>;
  close(): Promise<void>;
}

/** A model, or a loader that builds it on first use (so a worker starts without loading weights). */
export type ModelSource<T> = T | (() => Promise<T>);

/** Memoizes a loader; a failed load is forgotten, so the next activity attempt tries again. */
function lazy<T>(load: () => Promise<T>): { get: () => Promise<T>; loaded: () => T | undefined } {
  let promise: Promise<T> | undefined;
  let value: T | undefined;
  return {
    get: () =>
      (promise ??= load().then(
        (result) => (value = result),
        (error: unknown) => {
          promise = undefined;
          throw error;
        },
      )),
    loaded: () => value,
  };
}

async function dispose(model: unknown): Promise<void> {
  const disposable = model as { dispose?: () => Promise<void> } | undefined;
  await disposable?.dispose?.().catch(() => undefined);
}

export async function openDependencies(config: Config): Promise<WorkerDependencies> {
  const storage = createObjectStorage(config.s3);
  const mongo = await connectMongo(config.mongodb);
  const embeddings = lazy(() => createEmbeddingModel(config.models));
  const llm = lazy(() => createChatModel(config.models));
  return {
    config,
    storage,
    mongo,
    embeddings: embeddings.get,
    llm: llm.get,
    async close() {
      storage.close();
      await mongo.close();
      await dispose(embeddings.loaded());
      await dispose(llm.loaded());
    },
  };
}
