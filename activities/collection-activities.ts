// Activities of the Notion collection pipeline. Page content goes straight from Notion to S3:
// the workflow only ever sees ids, keys and counts.
import { Context, log } from '@temporalio/activity';
import type { Config } from '../config/environment.js';
import { documentSchema, normalizeNotionId, type Document } from '../domain/document.js';
import { SecondBrainError, isTransientNetworkError } from '../domain/errors.js';
import { COLLECTIONS } from '../domain/names.js';
import { buildNotionDocument, sameDocument } from '../domain/notion-document.js';
import { pageTitle } from '../domain/notion-markdown.js';
import { documentKey, runManifestKey, runPrefix } from '../domain/storage-layout.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { fetchBlockTree } from '../integrations/notion/block-tree.js';
import type { NotionGateway, NotionPage } from '../integrations/notion/notion-client.js';
import type { ObjectStorage } from '../integrations/s3/object-storage.js';

/**
 * Where a data source's last successful run started. Keyed by the data source id since the
 * move to data sources (API 2025-09-03); records written before it are keyed by the database
 * id and carry no `databaseId`. Such a legacy cursor still holds for the database's data
 * sources (a database read with the old API had exactly one) until each gets its own.
 */
interface CursorRecord {
  _id: string;
  databaseId?: string;
  cursor: string;
  runId: string;
  updatedAt: Date;
}

interface PageRecord {
  _id: string;
  databaseId: string;
  /** Absent on records stored before data sources (API 2025-09-03). */
  dataSourceId?: string;
  title: string;
  lastEditedTime: string;
  archived: boolean;
  /** The run that last stored this page, and what it did: lets a retried batch skip it. */
  runId: string;
  outcome: 'written' | 'unchanged' | 'archived';
  updatedAt: Date;
}

export interface CollectionDatabase {
  databaseId: string;
  /** Pages edited at or after this time are refetched; undefined = everything not yet stored. */
  since: string | undefined;
}

/** How one data source of a database was listed. */
export type DataSourceOutcome =
  | {
      dataSourceId: string;
      name: string;
      /** The cursor it was listed from (undefined: everything not yet stored). */
      since: string | undefined;
      total: number;
      changed: number;
      /** Notion capped the query: missing pages are not marked, the cursor does not move. */
      incompleteReason?: string;
    }
  | { dataSourceId: string; name: string; error: string };

export interface PageListing {
  /** The database's own id (also when a data source id was configured). */
  databaseId: string;
  dataSources: DataSourceOutcome[];
  /** S3 keys of the changed pages (Notion page objects), one object per batch of pages. */
  batchKeys: string[];
  total: number;
  changed: number;
  archived: number;
}

export interface PageFailure {
  pageId: string;
  title?: string;
  databaseId: string;
  dataSourceId?: string;
  error: string;
}

export interface BatchResult {
  written: number;
  unchanged: number;
  warnings: number;
  failed: PageFailure[];
}

export interface CollectionManifest {
  runId: string;
  startedAt: string;
  finishedAt: string;
  databases: (PageListing | { databaseId: string; error: string })[];
  written: number;
  unchanged: number;
  archived: number;
  warnings: number;
  failed: (
    PageFailure | { databaseId: string; dataSourceId?: string; batchKey?: string; error: string }
  )[];
  /** Ids of the documents this run wrote: what an ETL of this run (`source.kind: collect`) reads. */
  documentIds: string[];
}

interface ArchivedPage {
  pageId: string;
  reason: 'archived' | 'deleted';
}

/**
 * Notion gives last_edited_time to the minute. A cursor is rounded down to its minute and
 * compared with >=, so an edit made in the same minute as the last run is never missed.
 */
export function cursorFloor(time: string): string {
  const date = new Date(time);
  date.setUTCSeconds(0, 0);
  return date.toISOString();
}

function isChanged(
  page: NotionPage,
  known: PageRecord | undefined,
  since: string | undefined,
): boolean {
  if (!known || known.archived || known.lastEditedTime !== page.last_edited_time) return true;
  return since !== undefined && Date.parse(page.last_edited_time) >= Date.parse(cursorFloor(since));
}

/** Errors a retry can fix (rate limits, timeouts) fail the attempt; the rest fail one page. */
function isRetryable(error: unknown): boolean {
  if (error instanceof SecondBrainError) return error.retryable;
  return isTransientNetworkError(error);
}

export function createCollectionActivities({
  config,
  storage,
  mongo,
  notion,
}: {
  config: Config;
  storage: ObjectStorage;
  mongo: MongoDatabase;
  notion: NotionGateway;
}) {
  const cursors = mongo.db.collection<CursorRecord>(COLLECTIONS.collectionCursors);
  const pages = mongo.db.collection<PageRecord>(COLLECTIONS.notionPages);

  async function readDocument(id: string): Promise<Document | undefined> {
    const parsed = documentSchema.safeParse(await storage.getJson(documentKey(id)));
    return parsed.success ? parsed.data : undefined;
  }

  async function markArchived(
    pageId: string,
    reason: 'archived' | 'deleted',
    runId: string,
  ): Promise<void> {
    const existing = await readDocument(pageId);
    if (existing && !existing.archived) {
      await storage.putJson(documentKey(pageId), { ...existing, archived: true });
    }
    await pages.updateOne(
      { _id: pageId },
      { $set: { archived: true, runId, outcome: 'archived', updatedAt: new Date() } },
    );
    log.info('Marked Notion page as archived', { pageId, reason });
  }

  return {
    /**
     * Resolves the databases (input or NOTION_DATABASE_IDS). `since` is the input's override
     * only: each data source's own cursor is read when its database is listed, since the
     * data sources are discovered there.
     */
    // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
    async startCollectionRun(request: {
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
    },

    /**
     * Discovers a database's data sources and lists every page of each (all result pages),
     * keeps the changed ones in S3 for the batches, and marks pages that disappeared as
     * archived or deleted. A data source that cannot be listed is reported; the others go on.
     */
    async listChangedPages(request: {
      runId: string;
      databaseId: string;
      /** Overrides every data source's cursor when set. */
      since?: string;
      batchSize: number;
    }): Promise<PageListing> {
      const { runId, since, batchSize } = request;
      const resolved = await notion.resolveDatabase(request.databaseId);
      const databaseId = normalizeNotionId(resolved.databaseId);
      const legacyCursor = await cursors.findOne({
        _id: databaseId,
        databaseId: { $exists: false },
      });
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
            if (known.get(pageId)?.archived === false)
              archived.push({ pageId, reason: 'archived' });
            continue;
          }
          present.add(pageId);
          if (isChanged(page, known.get(pageId), from)) {
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
        const listed = record.dataSourceId
          ? complete.has(record.dataSourceId)
          : everySourceComplete;
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
      for (const entry of archived) await markArchived(entry.pageId, entry.reason, runId);

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
    },

    /**
     * Fetches, converts and stores one slice of the changed pages. A page that cannot be read
     * (not shared, deleted) is listed in `failed`; rate limits and outages fail the attempt so
     * Temporal retries it after Retry-After, and pages this run already stored are skipped.
     */
    async collectPages(request: {
      runId: string;
      databaseId: string;
      batchKey: string;
      maxDepth: number;
      includeComments: boolean;
    }): Promise<BatchResult> {
      const { runId, databaseId } = request;
      const slice = (await storage.getJson(request.batchKey)) as NotionPage[] | undefined;
      if (!slice)
        throw new SecondBrainError('notFound', `Page batch ${request.batchKey} is missing`);
      const result: BatchResult = { written: 0, unchanged: 0, warnings: 0, failed: [] };

      for (const [index, page] of slice.entries()) {
        const pageId = normalizeNotionId(page.id);
        // Since 2025-09-03 the page's parent names its data source.
        const dataSourceId = page.parent.data_source_id
          ? normalizeNotionId(page.parent.data_source_id)
          : undefined;
        const title = pageTitle(page.properties);
        Context.current().heartbeat({ done: index });
        const record = await pages.findOne({ _id: pageId });
        if (
          record?.runId === runId &&
          record.lastEditedTime === page.last_edited_time &&
          !record.archived
        ) {
          // Stored by an earlier attempt of this very batch.
          result[record.outcome === 'written' ? 'written' : 'unchanged'] += 1;
          continue;
        }
        try {
          const tree = await fetchBlockTree(notion, pageId, {
            maxDepth: request.maxDepth,
            childPages: config.notion.childPages,
          });
          const comments = request.includeComments ? await notion.listComments(pageId) : undefined;
          const { document, warnings } = buildNotionDocument({
            page,
            databaseId,
            blocks: tree.blocks,
            comments,
            options: { childPages: config.notion.childPages },
            collectedAt: new Date().toISOString(),
          });
          for (const warning of [...tree.warnings, ...warnings])
            log.warn('Notion page converted with a warning', { pageId, warning });
          result.warnings += tree.warnings.length + warnings.length;

          const existing = await readDocument(pageId);
          const outcome = existing && sameDocument(existing, document) ? 'unchanged' : 'written';
          if (outcome === 'written') await storage.putJson(documentKey(pageId), document);
          result[outcome] += 1;
          await pages.updateOne(
            { _id: pageId },
            {
              $set: {
                databaseId,
                ...(dataSourceId ? { dataSourceId } : {}),
                title,
                lastEditedTime: page.last_edited_time,
                archived: false,
                runId,
                outcome,
                updatedAt: new Date(),
              },
            },
            { upsert: true },
          );
        } catch (error) {
          if (isRetryable(error)) throw error;
          const reason = error instanceof Error ? error.message : String(error);
          const message = `Page "${title}" (${pageId}) was not collected: ${reason}`;
          log.warn('Notion page failed', { pageId, title, error: message });
          result.failed.push({
            pageId,
            title,
            databaseId,
            ...(dataSourceId ? { dataSourceId } : {}),
            error: message,
          });
        }
      }
      return result;
    },

    /**
     * Writes the run's manifest and moves each fully listed data source's cursor to the run's
     * start. A database's legacy cursor goes once every one of its data sources has its own.
     */
    async finishCollectionRun(
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
    },
  };
}
