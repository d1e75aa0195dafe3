// The records of the `rag` collection and the index-state pointer. One collection holds every
// index version side by side; `rag_index_state` names the serving one, so switching versions is
// a single-document update (atomic on FerretDB, MongoDB and Atlas alike, no transactions).
// Pure shapes and ids: the activities build them (domain/rag/chunk-records.ts), the search
// adapters read them (integrations/search/rag-records.ts holds the collections).

/** A searchable chunk: what is embedded and indexed is `context` + `text`. */
export interface RagChunkRecord {
  _id: string;
  kind: 'chunk';
  chunkId: string;
  documentId: string;
  indexVersion: string;
  chunkIndex: number;
  text: string;
  /** The contextual-retrieval context ('' when contextualMode is none). */
  context: string;
  embedding: number[];
  /** Hash of (embedding model, indexed text), to reuse a vector when the same text comes back. */
  embeddingKey: string;
  headingPath: string[];
  url: string;
  title: string;
  parentId: string | null;
  contentHash: string;
}

/** A parent chunk (parent retriever): returned in place of its children, never embedded. */
export interface RagParentRecord {
  _id: string;
  kind: 'parent';
  chunkId: string;
  documentId: string;
  indexVersion: string;
  chunkIndex: number;
  text: string;
  headingPath: string[];
  url: string;
  title: string;
  contentHash: string;
}

/** Written last for each document of a version: "this document is complete in this version". */
export interface RagDocumentRecord {
  _id: string;
  kind: 'document';
  documentId: string;
  indexVersion: string;
  /** Hash of the document's content, URL and title: what decides "changed". */
  documentHash: string;
  contentHash: string;
  chunkCount: number;
}

export type RagRecord = RagChunkRecord | RagParentRecord | RagDocumentRecord;

export const SERVING_STATE_ID = 'current';

export interface RagServingState {
  _id: typeof SERVING_STATE_ID;
  indexVersion: string;
  /** Hash of the settings that shape chunks and vectors; a different key means a full rebuild. */
  configKey: string;
  embedding: { provider: string; modelId: string; dimensions: number };
  retriever: 'contextual' | 'parent';
  chunkCount: number;
  documentCount: number;
  activatedAt: Date;
  /**
   * The version this one replaced. Its search tables outlive the switch until the next one, so
   * an agent worker still on it (readers re-read the pointer about once a second) finishes its
   * query instead of finding the table gone.
   */
  previousIndexVersion?: string | null;
}

export interface RagBuildPlan {
  _id: string;
  kind: 'build';
  indexVersion: string;
  servingVersion: string | null;
  configKey: string;
  changed: string[];
  unchanged: string[];
  removed: string[];
  createdAt: Date;
}

export type RagStateRecord = RagServingState | RagBuildPlan;

export function ragRecordId(indexVersion: string, id: string): string {
  return `${indexVersion}:${id}`;
}

/** The text that is embedded and that BM25 indexes: the context first, then the chunk. */
export function indexedText(record: Pick<RagChunkRecord, 'context' | 'text'>): string {
  return record.context ? `${record.context}\n\n${record.text}` : record.text;
}
