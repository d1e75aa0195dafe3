// What the refresh bench checks after each refresh: the chunk ids the serving index version
// holds for each document, and how one document's changed while every other kept its own.
import type { RagChunkRecord } from '../../domain/rag/rag-records.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { ragCollection, readServingState } from '../../integrations/search/rag-records.js';

/** Chunk ids of the serving index version, by document id. */
export async function servingChunkIds(mongo: MongoDatabase): Promise<Map<string, string[]>> {
  const state = await readServingState(mongo.db);
  if (!state) throw new Error('no index version serves');
  const chunks = new Map<string, string[]>();
  for await (const record of ragCollection(mongo.db)
    .find({ indexVersion: state.indexVersion, kind: 'chunk' })
    .project<Pick<RagChunkRecord, 'documentId' | 'chunkId'>>({
      documentId: 1,
      chunkId: 1,
      chunkIndex: 1,
    })
    .sort({ documentId: 1, chunkIndex: 1 }))
    chunks.set(record.documentId, [...(chunks.get(record.documentId) ?? []), record.chunkId]);
  return chunks;
}

/** Old vs new chunk ids of one document, and whether every other document kept its own. */
export function compareChunks(
  before: Map<string, string[]>,
  after: Map<string, string[]>,
  documentId: string,
) {
  const old = new Set(before.get(documentId) ?? []);
  const now = new Set(after.get(documentId) ?? []);
  const othersChanged = [...new Set([...before.keys(), ...after.keys()])].filter(
    (id) =>
      id !== documentId && (before.get(id) ?? []).join(',') !== (after.get(id) ?? []).join(','),
  );
  return {
    chunksBefore: old.size,
    chunksAfter: now.size,
    chunksKept: [...now].filter((id) => old.has(id)).length,
    chunksRemoved: [...old].filter((id) => !now.has(id)).length,
    chunksAdded: [...now].filter((id) => !old.has(id)).length,
    otherDocumentsChanged: othersChanged.length,
    otherDocuments: [...after.keys()].filter((id) => id !== documentId).length,
  };
}
