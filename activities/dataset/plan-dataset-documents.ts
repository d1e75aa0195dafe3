// Chooses the documents a dataset run distills: those that pass the source filter, in id order.
import { log } from '@temporalio/activity';
import type { PlannedDocumentList } from '../../domain/dataset-version.js';
import { datasetDocumentListKey } from '../../domain/storage-layout.js';
import type { DatasetActivityDependencies } from './dependencies.js';
import { storeDocumentList } from './document-list.js';

export interface DatasetSourceFilter {
  minQualityScore: number;
  minChars: number;
  limit?: number;
}

async function selectDocumentIds(
  { raw }: Pick<DatasetActivityDependencies, 'raw'>,
  filter: DatasetSourceFilter,
): Promise<{ documentIds: string[]; considered: number }> {
  const documentIds: string[] = [];
  let considered = 0;
  for await (const document of raw.scoredAtLeast(filter.minQualityScore)) {
    considered++;
    if (document.archived === true) continue;
    if (typeof document.content !== 'string' || document.content.trim().length < filter.minChars)
      continue;
    documentIds.push(document.id);
    if (filter.limit !== undefined && documentIds.length >= filter.limit) break;
  }
  log.info('Planned dataset documents', { selected: documentIds.length, considered });
  return { documentIds, considered };
}

/**
 * Ids of the documents that pass the source filter, in id order, at most `limit`. Only
 * workflows recorded before planDatasetDocumentList existed call this (the ids enter history).
 */
export function planDatasetDocuments(
  dependencies: Pick<DatasetActivityDependencies, 'raw'>,
  filter: DatasetSourceFilter,
): Promise<{ documentIds: string[]; considered: number }> {
  return selectDocumentIds(dependencies, filter);
}

/**
 * The same selection, written to S3 under the workflow run's key: the workflow gets the key
 * and the count. A retry rewrites the same key with what it returns, so key and count agree.
 */
export async function planDatasetDocumentList(
  dependencies: Pick<DatasetActivityDependencies, 'raw' | 'storage'>,
  { runId, ...filter }: DatasetSourceFilter & { runId: string },
): Promise<PlannedDocumentList> {
  const { documentIds, considered } = await selectDocumentIds(dependencies, filter);
  const listKey = datasetDocumentListKey(runId);
  await storeDocumentList(dependencies.storage, listKey, documentIds);
  return { listKey, count: documentIds.length, considered };
}
