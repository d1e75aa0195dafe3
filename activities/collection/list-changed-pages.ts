// The collection's listing activity: which pages of a database changed, which disappeared.
import { log } from '@temporalio/activity';
import { normalizeNotionId } from '../../domain/document.js';
import { SecondBrainError } from '../../domain/errors.js';
import {
  isPageChanged,
  type ArchivedPage,
  type DataSourceOutcome,
  type PageListing,
} from '../../domain/notion-collection.js';
import { runPrefix } from '../../domain/storage-layout.js';
import type { PageRecord } from '../../integrations/mongo/stores/notion-collection.js';
import type { NotionGateway, NotionPage } from '../../integrations/notion/notion-client.js';
import { isRetryable, markArchived, type CollectionDependencies } from './dependencies.js';

export function createListChangedPages(dependencies: CollectionDependencies) {
  const { storage, notion, records } = dependencies;
  const { cursors, pages } = records;
  /**
   * Discovers a database's data sources and lists every page of each (all result pages),
   * keeps the changed ones in S3 for the batches, and marks pages that disappeared as
   * archived or deleted. A data source that cannot be listed is reported; the others go on.
   */
  return async function listChangedPages(request: {
    runId: string;
    databaseId: string;
    /** Overrides every data source's cursor when set. */
    since?: string;
    batchSize: number;
  }): Promise<PageListing> {
    const { runId, since, batchSize } = request;
    const resolved = await notion.resolveDatabase(request.databaseId);
    const databaseId = normalizeNotionId(resolved.databaseId);
    const legacyCursor = await cursors.findOne({ _id: databaseId, databaseId: { $exists: false } });
    const known = new Map<string, PageRecord>();
    for await (const record of pages.find({ databaseId })) known.set(record._id, record);

    const outcomes: DataSourceOutcome[] = [];
    const present = new Set<string>();
    /** Data sources whose every page was listed: only their missing pages are looked up. */
    const complete = new Set<string>();
    const changed: { dataSourceId: string; page: NotionPage }[] = [];
    const archived: ArchivedPage[] = [];
    for (const source of resolved.dataSources) {
      const dataSourceId = normalizeNotionId(source.id);
      const own = await cursors.findOne({ _id: dataSourceId });
      const from = since ?? own?.cursor ?? legacyCursor?.cursor;
      let listing: Awaited<ReturnType<NotionGateway['queryDataSource']>>;
      try {
        listing = await notion.queryDataSource(source.id);
      } catch (error) {
        if (isRetryable(error)) throw error;
        const message = error instanceof Error ? error.message : String(error);
        log.warn('Notion data source could not be listed', { databaseId, dataSourceId, message });
        outcomes.push({ dataSourceId, name: source.name, error: message });
        continue;
      }
      let changedHere = 0;
      for (const page of listing.pages) {
        const pageId = normalizeNotionId(page.id);
        if (page.archived || page.in_trash) {
          if (known.get(pageId)?.archived === false) archived.push({ pageId, reason: 'archived' });
          continue;
        }
        present.add(pageId);
        if (isPageChanged(page, known.get(pageId), from)) {
          changed.push({ dataSourceId, page });
          changedHere += 1;
        }
      }
      if (listing.incompleteReason === undefined) complete.add(dataSourceId);
      else
        log.warn('Notion returned an incomplete listing of a data source', {
          dataSourceId,
          reason: listing.incompleteReason,
        });
      outcomes.push({
        dataSourceId,
        name: source.name,
        since: from,
        total: listing.pages.length,
        changed: changedHere,
        ...(listing.incompleteReason ? { incompleteReason: listing.incompleteReason } : {}),
      });
    }
    const everySourceComplete = complete.size === resolved.dataSources.length;
    // Pages we stored before that no listing returned: ask Notion why. Only where the
    // listing was whole: a data source that failed says nothing about its pages.
    for (const record of known.values()) {
      if (record.archived || present.has(record._id)) continue;
      const listed = record.dataSourceId ? complete.has(record.dataSourceId) : everySourceComplete;
      if (!listed || archived.some((entry) => entry.pageId === record._id)) continue;
      try {
        const page = await notion.retrievePage(record._id);
        if (page.archived || page.in_trash)
          archived.push({ pageId: record._id, reason: 'archived' });
        // Still live: it moved to another database or data source, which owns it now.
      } catch (error) {
        if (error instanceof SecondBrainError && error.kind === 'notFound')
          archived.push({ pageId: record._id, reason: 'deleted' });
        else throw error;
      }
    }
    for (const entry of archived)
      await markArchived(dependencies, entry.pageId, entry.reason, runId);

    // One small object per batch, so a batch never reads the whole (possibly huge) listing.
    const batchKeys: string[] = [];
    for (const outcome of outcomes) {
      const entries = changed
        .filter((entry) => entry.dataSourceId === outcome.dataSourceId)
        .map((entry) => entry.page);
      for (let offset = 0; offset < entries.length; offset += batchSize) {
        const key = `${runPrefix('collect', runId)}pages/${databaseId}/${outcome.dataSourceId}/${offset}.json`;
        await storage.putJson(key, entries.slice(offset, offset + batchSize));
        batchKeys.push(key);
      }
    }
    const total = outcomes.reduce(
      (sum, outcome) => sum + ('total' in outcome ? outcome.total : 0),
      0,
    );
    log.info('Listed Notion database', {
      databaseId,
      dataSources: outcomes.length,
      total,
      changed: changed.length,
      archived: archived.length,
    });
    return {
      databaseId,
      dataSources: outcomes,
      batchKeys,
      total,
      changed: changed.length,
      archived: archived.length,
    };
  };
}
