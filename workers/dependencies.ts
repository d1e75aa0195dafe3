// Opens the clients activities depend on, once per worker process, and closes them on shutdown.
import type { Config } from '../config/environment.js';
import { connectMongo, type MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { createNotionGateway, type NotionGateway } from '../integrations/notion/notion-client.js';
import { createObjectStorage, type ObjectStorage } from '../integrations/s3/object-storage.js';

export interface WorkerDependencies {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** Notion behind one throttle shared by every activity of this worker. */
  notion: NotionGateway;
  close(): Promise<void>;
}

export async function openDependencies(config: Config): Promise<WorkerDependencies> {
  const storage = createObjectStorage(config.s3);
  const mongo = await connectMongo(config.mongodb);
  return {
    config,
    storage,
    mongo,
    notion: createNotionGateway(config.notion),
    async close() {
      storage.close();
      await mongo.close();
    },
  };
}
