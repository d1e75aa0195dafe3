// A dataset run's document ids live in S3, not in workflow history: a run over 100 000
// documents would otherwise carry every id in the plan's result, in each batch's input and in
// the build's input. Activities get the list's key and the slice they work on.
import type { DocumentListSlice } from '../../domain/dataset-version.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';

export async function storeDocumentList(
  storage: ObjectStorage,
  key: string,
  documentIds: readonly string[],
): Promise<void> {
  await storage.putJson(key, documentIds);
}

/** The ids of `slice` (all of the list when no slice is given). */
export async function readDocumentList(
  storage: ObjectStorage,
  key: string,
  slice?: Omit<DocumentListSlice, 'key'>,
): Promise<string[]> {
  const list = await storage.getJson(key);
  if (!Array.isArray(list) || !list.every((id) => typeof id === 'string'))
    throw new SecondBrainError('notFound', `The dataset document list ${key} is missing in S3`);
  return slice ? list.slice(slice.offset, slice.offset + slice.limit) : list;
}

/** The ids an activity works on: given inline (histories from before the list moved to S3) or by key. */
export function documentIdsOf(
  storage: ObjectStorage,
  source: { documentIds?: string[]; documentList?: DocumentListSlice; documentListKey?: string },
): Promise<string[]> {
  if (source.documentList) {
    const { key, ...slice } = source.documentList;
    return readDocumentList(storage, key, slice);
  }
  if (source.documentListKey) return readDocumentList(storage, source.documentListKey);
  return Promise.resolve(source.documentIds ?? []);
}
