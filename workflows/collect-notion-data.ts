import {
  ActivityFailure,
  log,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  CollectionManifest,
  PageListing,
  createCollectionActivities,
} from '../activities/collection-activities.js';
import { parseInput } from './parse-input.js';
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
  const { startedAt, databases } = await bookkeeping.startCollectionRun({
    databaseIds: input.databaseIds,
    since: input.since,
  });

  const listings: CollectionManifest['databases'] = [];
  const failed: CollectionManifest['failed'] = [];
  const totals = { written: 0, unchanged: 0, warnings: 0, archived: 0, seen: 0, changed: 0 };

  for (const database of databases) {
    let pages: PageListing;
    try {
      pages = await listing.listChangedPages({
        runId,
        databaseId: database.databaseId,
        since: database.since,
        batchSize: input.batchSize,
      });
    } catch (error) {
      const message = failureMessage(error);
      log.warn('Notion database could not be listed', { databaseId: database.databaseId });
      listings.push({ databaseId: database.databaseId, error: message });
      failed.push({ databaseId: database.databaseId, error: message });
      continue;
    }
    listings.push(pages);
    totals.seen += pages.total;
    totals.changed += pages.changed;
    totals.archived += pages.archived;

    for (const batchKey of pages.batchKeys) {
      try {
        const batch = await pageBatches.collectPages({
          runId,
          databaseId: pages.databaseId,
          batchKey,
          maxDepth: input.maxDepth,
          includeComments: input.includeComments,
        });
        totals.written += batch.written;
        totals.unchanged += batch.unchanged;
        totals.warnings += batch.warnings;
        failed.push(...batch.failed);
      } catch (error) {
        failed.push({ databaseId: pages.databaseId, batchKey, error: failureMessage(error) });
      }
    }
  }

  const { manifestKey } = await bookkeeping.finishCollectionRun({
    runId,
    startedAt,
    databases: listings,
    written: totals.written,
    unchanged: totals.unchanged,
    archived: totals.archived,
    warnings: totals.warnings,
    failed,
  });
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
