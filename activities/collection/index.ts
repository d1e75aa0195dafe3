// Activities of the Notion collection pipeline. Page content goes straight from Notion to S3:
// the workflow only ever sees ids, keys and counts.
import type { Config } from '../../config/environment.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { notionCollectionStore } from '../../integrations/mongo/stores/notion-collection.js';
import type { NotionGateway } from '../../integrations/notion/notion-client.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';
import { createCollectPages } from './collect-pages.js';
import type { CollectionDependencies } from './dependencies.js';
import { createFinishCollectionRun } from './finish-collection-run.js';
import { createListChangedPages } from './list-changed-pages.js';
import { createStartCollectionRun } from './start-collection-run.js';

export function createCollectionActivities({
  mongo,
  ...rest
}: {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  notion: NotionGateway;
}) {
  const dependencies: CollectionDependencies = { ...rest, records: notionCollectionStore(mongo) };
  return {
    startCollectionRun: createStartCollectionRun(dependencies),
    listChangedPages: createListChangedPages(dependencies),
    collectPages: createCollectPages(dependencies),
    finishCollectionRun: createFinishCollectionRun(dependencies),
  };
}
