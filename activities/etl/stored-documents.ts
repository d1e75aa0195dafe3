// Storing documents in `raw` and listing what a run stored. Which documents a run wrote is
// recorded in S3 (runs/etl/<runId>/stored/), not by updating MongoDB: on FerretDB v1 updates
// scan the collection, so an unchanged document is not rewritten at all, a new one is
// inserted, and only a changed one is updated.
import type { EtlDocument, StoredDocumentState } from '../../domain/etl-documents.js';
import { planDocumentWrites } from '../../domain/etl-documents.js';
import { etlKeys, type StoredEntry } from '../../domain/etl.js';
import type { EtlDependencies } from './dependencies.js';
import { runConcurrently } from './run-concurrently.js';

/**
 * Stores documents keyed by id (see planDocumentWrites); returns what is now stored. `known`,
 * when given, is what the caller already read of these documents (a crawl batch reads every
 * state once before crawling), which saves a lookup per write; a document inserted meanwhile
 * by another attempt is caught by the insert's duplicate-key path and replaced.
 */
export async function storeDocuments(
  { raw }: Pick<EtlDependencies, 'raw'>,
  runId: string,
  documents: readonly EtlDocument[],
  known?: ReadonlyMap<string, StoredDocumentState>,
): Promise<StoredEntry[]> {
  if (documents.length === 0) return [];
  const existing = known ?? (await raw.findStates(documents.map((document) => document.id)));
  const { inserts, updates, entries } = planDocumentWrites(documents, existing);
  await raw.write(runId, { inserts, updates });
  return entries;
}

/** Every entry the run's batches (0 = the source documents) listed as stored. */
export async function readStoredEntries(
  { storage }: Pick<EtlDependencies, 'storage'>,
  runId: string,
  batchCount: number,
): Promise<StoredEntry[]> {
  const batches = await runConcurrently(
    Array.from(
      { length: batchCount + 1 },
      (_, index) => () =>
        storage.getJson(etlKeys.batchStored(runId, index)) as Promise<StoredEntry[] | undefined>,
    ),
    8,
  );
  return batches.flatMap((batch) => batch ?? []);
}
