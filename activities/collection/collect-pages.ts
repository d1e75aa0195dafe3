// The collection's page activity: fetch, convert and store one slice of the changed pages.
import { Context, log } from '@temporalio/activity';
import { normalizeNotionId } from '../../domain/document.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { BatchResult } from '../../domain/notion-collection.js';
import { buildNotionDocument, sameDocument } from '../../domain/notion-document.js';
import { pageTitle } from '../../domain/notion-markdown.js';
import { documentKey } from '../../domain/storage-layout.js';
import { fetchBlockTree } from '../../integrations/notion/block-tree.js';
import type { NotionPage } from '../../integrations/notion/notion-client.js';
import { isRetryable, readDocument, type CollectionDependencies } from './dependencies.js';

export function createCollectPages(dependencies: CollectionDependencies) {
  const { config, storage, notion, records } = dependencies;
  /**
   * Fetches, converts and stores one slice of the changed pages. A page that cannot be read
   * (not shared, deleted) is listed in `failed`; rate limits and outages fail the attempt so
   * Temporal retries it after Retry-After, and pages this run already stored are skipped.
   */
  return async function collectPages(request: {
    runId: string;
    databaseId: string;
    batchKey: string;
    maxDepth: number;
    includeComments: boolean;
  }): Promise<BatchResult> {
    const { runId, databaseId } = request;
    const slice = (await storage.getJson(request.batchKey)) as NotionPage[] | undefined;
    if (!slice) throw new SecondBrainError('notFound', `Page batch ${request.batchKey} is missing`);
    const result: BatchResult = { written: 0, unchanged: 0, warnings: 0, failed: [] };

    for (const [index, page] of slice.entries()) {
      const pageId = normalizeNotionId(page.id);
      // Since 2025-09-03 the page's parent names its data source.
      const dataSourceId = page.parent.data_source_id
        ? normalizeNotionId(page.parent.data_source_id)
        : undefined;
      const title = pageTitle(page.properties);
      Context.current().heartbeat({ done: index });
      const record = await records.pages.findOne({ _id: pageId });
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

        const existing = await readDocument(dependencies, pageId);
        const outcome = existing && sameDocument(existing, document) ? 'unchanged' : 'written';
        if (outcome === 'written') await storage.putJson(documentKey(pageId), document);
        result[outcome] += 1;
        await records.pages.updateOne(
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
  };
}
