import {
  ActivityFailure,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createCollectionActivities } from '../activities/collection/index.js';
import type { CollectionManifest, PageListing } from '../domain/notion-collection.js';
import type { StageProgress } from '../domain/progress.js';
import { parseInput } from './parse-input.js';
import { progressQuery } from './progress-query.js';
import { DOCUMENT_COUNT } from './search-attributes.js';

type CollectionActivities = ReturnType<typeof createCollectionActivities>;

const bookkeeping = proxyActivities<CollectionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

// Listing a large database is one request per 100 pages at ~3 requests/s.
const listing = proxyActivities<CollectionActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
});

// A batch of pages: many requests each. Rate limits come back with Retry-After, which the
// failure mapping turns into the next retry's delay.
const pageBatches = proxyActivities<CollectionActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
});

export interface CollectNotionDataResult {
  runId: string;
  manifestKey: string;
  databases: number;
  pagesSeen: number;
  pagesChanged: number;
  written: number;
  unchanged: number;
  archived: number;
  warnings: number;
  /** Pages (or whole batches and databases) that could not be collected, and why. */
  failed: CollectionManifest['failed'];
}

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Collects the changed pages of Notion databases into S3 as Markdown documents. One page, batch
 * or database that fails is listed in the result; the run itself still completes.
 */
export async function collectNotionData(rawInput: unknown = {}): Promise<CollectNotionDataResult> {
  const input = await parseInput('collectNotionData', rawInput);
  const runId = workflowInfo().runId;
  const progress: Record<'databases' | 'pages', StageProgress> = {
    databases: { stage: 'databases', done: 0, failed: 0, pending: 0 },
    pages: { stage: 'pages', done: 0, failed: 0, pending: 0 },
  };
  setHandler(progressQuery, () => ({ stages: Object.values(progress) }));
  // Summaries make the event history in the Temporal UI read as a story.
  const { startedAt, databases } = await bookkeeping.startCollectionRun.executeWithOptions(
    { summary: 'Read the collection cursors of the configured databases' },
    [{ databaseIds: input.databaseIds, since: input.since }],
  );
  progress.databases.pending = databases.length;
  progress.databases.total = databases.length;

  const listings: CollectionManifest['databases'] = [];
  const failed: CollectionManifest['failed'] = [];
  const totals = { written: 0, unchanged: 0, warnings: 0, archived: 0, seen: 0, changed: 0 };

  for (const database of databases) {
    let pages: PageListing;
    try {
      pages = await listing.listChangedPages.executeWithOptions(
        {
          summary: `Discover the data sources of database ${database.databaseId} and list their pages edited since ${database.since ?? "each one's cursor"}`,
        },
        [
          {
            runId,
            databaseId: database.databaseId,
            since: database.since,
            batchSize: input.batchSize,
          },
        ],
      );
    } catch (error) {
      progress.databases.pending -= 1;
      progress.databases.failed += 1;
      const message = failureMessage(error);
      log.warn('Notion database could not be listed', { databaseId: database.databaseId });
      listings.push({ databaseId: database.databaseId, error: message });
      failed.push({ databaseId: database.databaseId, error: message });
      continue;
    }
    listings.push(pages);
    // A data source that could not be listed fails alone (listings recorded before data
    // sources carry none).
    for (const source of pages.dataSources ?? [])
      if ('error' in source)
        failed.push({
          databaseId: pages.databaseId,
          dataSourceId: source.dataSourceId,
          error: source.error,
        });
    totals.seen += pages.total;
    totals.changed += pages.changed;
    totals.archived += pages.archived;
    progress.pages.pending += pages.changed;

    for (const [index, batchKey] of pages.batchKeys.entries()) {
      try {
        const batch = await pageBatches.collectPages.executeWithOptions(
          {
            summary: `Convert page batch ${index + 1} of ${pages.batchKeys.length} of database ${pages.databaseId} to Markdown`,
          },
          [
            {
              runId,
              databaseId: pages.databaseId,
              batchKey,
              maxDepth: input.maxDepth,
              includeComments: input.includeComments,
            },
          ],
        );
        const handled = batch.written + batch.unchanged + batch.failed.length;
        progress.pages.done += batch.written + batch.unchanged;
        progress.pages.failed += batch.failed.length;
        progress.pages.pending = Math.max(0, progress.pages.pending - handled);
        totals.written += batch.written;
        totals.unchanged += batch.unchanged;
        totals.warnings += batch.warnings;
        failed.push(...batch.failed);
      } catch (error) {
        failed.push({ databaseId: pages.databaseId, batchKey, error: failureMessage(error) });
      }
    }
    progress.databases.pending -= 1;
    progress.databases.done += 1;
  }

  const { manifestKey } = await bookkeeping.finishCollectionRun.executeWithOptions(
    { summary: 'Write the run manifest and advance the cursors' },
    [
      {
        runId,
        startedAt,
        databases: listings,
        written: totals.written,
        unchanged: totals.unchanged,
        archived: totals.archived,
        warnings: totals.warnings,
        failed,
      },
    ],
  );
  // Documents written by this run, so the Temporal UI can filter runs that changed something.
  upsertSearchAttributes([{ key: DOCUMENT_COUNT, value: totals.written }]);
  log.info('Notion collection finished', { manifestKey, ...totals, failed: failed.length });
  return {
    runId,
    manifestKey,
    databases: databases.length,
    pagesSeen: totals.seen,
    pagesChanged: totals.changed,
    written: totals.written,
    unchanged: totals.unchanged,
    archived: totals.archived,
    warnings: totals.warnings,
    failed,
  };
}
