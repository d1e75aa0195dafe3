// What the collection's activities are built from, and the document helpers they share.
import { log } from '@temporalio/activity';
import type { Config } from '../../config/environment.js';
import { documentSchema, type Document } from '../../domain/document.js';
import { SecondBrainError, isTransientNetworkError } from '../../domain/errors.js';
import { documentKey } from '../../domain/storage-layout.js';
import type { NotionCollectionStore } from '../../integrations/mongo/stores/notion-collection.js';
import type { NotionGateway } from '../../integrations/notion/notion-client.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';

export interface CollectionDependencies {
  config: Config;
  storage: ObjectStorage;
  notion: NotionGateway;
  records: NotionCollectionStore;
}

/** Errors a retry can fix (rate limits, timeouts) fail the attempt; the rest fail one page. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof SecondBrainError) return error.retryable;
  return isTransientNetworkError(error);
}

export async function readDocument(
  { storage }: Pick<CollectionDependencies, 'storage'>,
  id: string,
): Promise<Document | undefined> {
  const parsed = documentSchema.safeParse(await storage.getJson(documentKey(id)));
  return parsed.success ? parsed.data : undefined;
}

/** Marks the page's document and record archived: kept and marked, never silently dropped. */
export async function markArchived(
  dependencies: Pick<CollectionDependencies, 'storage' | 'records'>,
  pageId: string,
  reason: 'archived' | 'deleted',
  runId: string,
): Promise<void> {
  const existing = await readDocument(dependencies, pageId);
  if (existing && !existing.archived)
    await dependencies.storage.putJson(documentKey(pageId), { ...existing, archived: true });
  await dependencies.records.pages.updateOne(
    { _id: pageId },
    { $set: { archived: true, runId, outcome: 'archived', updatedAt: new Date() } },
  );
  log.info('Marked Notion page as archived', { pageId, reason });
}
