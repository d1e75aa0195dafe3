// The collection's last activity: the run's manifest, and each data source's cursor moved.
import { log } from '@temporalio/activity';
import type { CollectionManifest } from '../../domain/notion-collection.js';
import { runManifestKey } from '../../domain/storage-layout.js';
import type { CollectionDependencies } from './dependencies.js';

export function createFinishCollectionRun({
  storage,
  records,
}: Pick<CollectionDependencies, 'storage' | 'records'>) {
  const { cursors, pages } = records;
  /**
   * Writes the run's manifest and moves each fully listed data source's cursor to the run's
   * start. A database's legacy cursor goes once every one of its data sources has its own.
   */
  return async function finishCollectionRun(
    manifest: Omit<CollectionManifest, 'finishedAt' | 'documentIds'>,
  ): Promise<{ manifestKey: string }> {
    const manifestKey = runManifestKey('collect', manifest.runId);
    // The ids come from the page records, not the workflow, so history keeps counts only.
    const written = await pages
      .find({ runId: manifest.runId, outcome: 'written' }, { projection: { _id: 1 } })
      .toArray();
    await storage.putJson(manifestKey, {
      ...manifest,
      finishedAt: new Date().toISOString(),
      documentIds: written.map((record) => record._id).sort(),
    } satisfies CollectionManifest);
    for (const database of manifest.databases) {
      if ('error' in database) continue;
      // Listings recorded before data sources carry none: such a run moves nothing.
      const sources = database.dataSources ?? [];
      let allMoved = sources.length > 0;
      for (const source of sources) {
        if ('error' in source || source.incompleteReason !== undefined) {
          allMoved = false;
          continue;
        }
        await cursors.updateOne(
          { _id: source.dataSourceId },
          {
            $set: {
              databaseId: database.databaseId,
              cursor: manifest.startedAt,
              runId: manifest.runId,
              updatedAt: new Date(),
            },
          },
          { upsert: true },
        );
      }
      if (allMoved)
        await cursors.deleteOne({ _id: database.databaseId, databaseId: { $exists: false } });
    }
    log.info('Collection run finished', {
      manifestKey,
      written: manifest.written,
      failed: manifest.failed.length,
    });
    return { manifestKey };
  };
}
