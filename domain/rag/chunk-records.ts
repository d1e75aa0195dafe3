// Building one document's records for an index version: its chunk records (vectors filled in
// later, or reused), its parent records (parent retriever) and the marker written last. Pure:
// the index-batch activity does the I/O around it.
import type { DocumentChunk, ParentChunk } from '../chunking/document-chunker.js';
import { embeddingKey, type ModelIdentity } from './index-fingerprint.js';
import {
  indexedText,
  ragRecordId,
  type RagChunkRecord,
  type RagDocumentRecord,
  type RagParentRecord,
} from './rag-records.js';

export interface IndexedDocument {
  id: string;
  url: string;
  title: string;
  contentHash: string;
  documentHash: string;
}

export function chunkRecords(
  buildVersion: string,
  document: IndexedDocument,
  chunks: readonly DocumentChunk[],
  contexts: readonly string[],
  embedding: ModelIdentity & { dimensions: number },
): RagChunkRecord[] {
  return chunks.map((chunk, index) => {
    const context = contexts[index] ?? '';
    return {
      _id: ragRecordId(buildVersion, chunk.chunkId),
      kind: 'chunk',
      chunkId: chunk.chunkId,
      documentId: document.id,
      indexVersion: buildVersion,
      chunkIndex: chunk.index,
      text: chunk.text,
      context,
      embedding: [],
      embeddingKey: embeddingKey(embedding, indexedText({ context, text: chunk.text })),
      headingPath: chunk.headingPath,
      url: document.url,
      title: document.title,
      parentId: chunk.parentId,
      contentHash: document.contentHash,
    };
  });
}

export function parentRecords(
  buildVersion: string,
  document: IndexedDocument,
  parents: readonly ParentChunk[],
): RagParentRecord[] {
  return parents.map((parent) => ({
    _id: ragRecordId(buildVersion, parent.parentId),
    kind: 'parent',
    chunkId: parent.parentId,
    documentId: document.id,
    indexVersion: buildVersion,
    chunkIndex: parent.index,
    text: parent.text,
    headingPath: parent.headingPath,
    url: document.url,
    title: document.title,
    contentHash: document.contentHash,
  }));
}

/** "This document is complete in this version": written after all its other records. */
export function documentMarker(
  buildVersion: string,
  document: IndexedDocument,
  chunkCount: number,
): RagDocumentRecord {
  return {
    _id: ragRecordId(buildVersion, `document:${document.id}`),
    kind: 'document',
    documentId: document.id,
    indexVersion: buildVersion,
    documentHash: document.documentHash,
    contentHash: document.contentHash,
    chunkCount,
  };
}

/**
 * Fills in the vectors a previous version already computed for the same model and text, and
 * returns the records that still need embedding.
 */
export function reuseEmbeddings(
  records: RagChunkRecord[],
  reusable: ReadonlyMap<string, number[]>,
  dimensions: number,
): { pending: RagChunkRecord[]; reused: number } {
  const pending: RagChunkRecord[] = [];
  let reused = 0;
  for (const record of records) {
    const vector = reusable.get(record.embeddingKey);
    if (vector && vector.length === dimensions) {
      record.embedding = vector;
      reused++;
    } else pending.push(record);
  }
  return { pending, reused };
}
