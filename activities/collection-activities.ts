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

interface CursorRecord {
  _id: string;
  cursor: string;
  runId: string;
  updatedAt: Date;
}

interface PageRecord {
  _id: string;
  databaseId: string;
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

export interface PageListing {
  databaseId: string;
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
  failed: (PageFailure | { databaseId: string; batchKey?: string; error: string })[];
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
    /** Resolves the databases (input or NOTION_DATABASE_IDS) and each one's cursor. */
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
      for (const databaseId of [...new Set(ids)]) {
        const cursor = await cursors.findOne({ _id: databaseId });
        databases.push({ databaseId, since: request.since ?? cursor?.cursor });
      }
      log.info('Collection run started', { databases: databases.length });
      return { startedAt, databases };
    },

    /**
     * Lists every page of a database (all result pages), keeps the changed ones in S3 for the
     * batches, and marks pages that disappeared from the database as archived or deleted.
     */
    async listChangedPages(request: {
      runId: string;
      databaseId: string;
      since?: string;
      batchSize: number;
    }): Promise<PageListing> {
      const { runId, databaseId, since, batchSize } = request;
      const all = await notion.queryDatabase(databaseId);
      const known = new Map<string, PageRecord>();
      for await (const record of pages.find({ databaseId })) known.set(record._id, record);

      const present = new Set<string>();
      const changed: NotionPage[] = [];
      const archived: ArchivedPage[] = [];
      for (const page of all) {
        const pageId = normalizeNotionId(page.id);
        if (page.archived || page.in_trash) {
          if (known.get(pageId)?.archived === false) archived.push({ pageId, reason: 'archived' });
          continue;
        }
        present.add(pageId);
        if (isChanged(page, known.get(pageId), since)) changed.push(page);
      }
      // Pages we stored before that the database no longer returns: ask Notion why.
      for (const record of known.values()) {
        if (record.archived || present.has(record._id)) continue;
        if (archived.some((entry) => entry.pageId === record._id)) continue;
        try {
          const page = await notion.retrievePage(record._id);
          if (page.archived || page.in_trash)
            archived.push({ pageId: record._id, reason: 'archived' });
          // Still live: it moved to another database, which owns it now.
        } catch (error) {
          if (error instanceof SecondBrainError && error.kind === 'notFound')
            archived.push({ pageId: record._id, reason: 'deleted' });
          else throw error;
        }
      }
      for (const entry of archived) await markArchived(entry.pageId, entry.reason, runId);

      // One small object per batch, so a batch never reads the whole (possibly huge) listing.
      const batchKeys: string[] = [];
      for (let offset = 0; offset < changed.length; offset += batchSize) {
        const key = `${runPrefix('collect', runId)}pages/${databaseId}/${offset}.json`;
        await storage.putJson(key, changed.slice(offset, offset + batchSize));
        batchKeys.push(key);
      }
      log.info('Listed Notion database', {
        databaseId,
        total: all.length,
        changed: changed.length,
        archived: archived.length,
      });
      return {
        databaseId,
        batchKeys,
        total: all.length,
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
          result.failed.push({ pageId, title, databaseId, error: message });
        }
      }
      return result;
    },

    /** Writes the run's manifest and moves each fully listed database's cursor to the start. */
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
        await cursors.updateOne(
          { _id: database.databaseId },
          { $set: { cursor: manifest.startedAt, runId: manifest.runId, updatedAt: new Date() } },
          { upsert: true },
        );
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
