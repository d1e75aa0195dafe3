// The collection's first activity: which databases this run reads.
import { log } from '@temporalio/activity';
import { normalizeNotionId } from '../../domain/document.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { CollectionDatabase } from '../../domain/notion-collection.js';
import type { CollectionDependencies } from './dependencies.js';

export function createStartCollectionRun({ config }: Pick<CollectionDependencies, 'config'>) {
  /**
   * Resolves the databases (input or NOTION_DATABASE_IDS). `since` is the input's override
   * only: each data source's own cursor is read when its database is listed, since the
   * data sources are discovered there.
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
  return async function startCollectionRun(request: {
    databaseIds: string[];
    since?: string;
  }): Promise<{ startedAt: string; databases: CollectionDatabase[] }> {
    const startedAt = new Date().toISOString();
    const ids = (
      request.databaseIds.length > 0 ? request.databaseIds : config.notion.databaseIds
    ).map(normalizeNotionId);
    if (ids.length === 0) {
      throw new SecondBrainError(
        'validation',
        'No Notion databases to collect: pass databaseIds or set NOTION_DATABASE_IDS',
      );
    }
    const databases: CollectionDatabase[] = [];
    for (const databaseId of [...new Set(ids)])
      databases.push({ databaseId, since: request.since });
    log.info('Collection run started', { databases: databases.length });
    return { startedAt, databases };
  };
}
