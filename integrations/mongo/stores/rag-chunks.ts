// Reads of the `rag` index's chunks for the pipelines that are not the index itself: the
// evaluation's starter questions (the serving version's chunk texts) and the agent's overview
// of what the knowledge base covers (titles and headings). The record shapes and collections
// are owned by domain/rag/rag-records.ts and integrations/search/rag-records.ts; this module
// only holds these two queries, so no activity reads the collection inline.
import type { Filter } from 'mongodb';
import type { RagRecord } from '../../../domain/rag/rag-records.js';
import { ragCollection, readServingState } from '../../search/rag-records.js';
import type { MongoDatabase } from '../mongo-database.js';

/** A chunk with enough text to ask a question about. */
export interface ChunkText {
  chunkId: string;
  documentId: string;
  title: string;
  text: string;
}

/** What the overview reads of a chunk. */
export interface ChunkOutline {
  title?: string;
  headingPath?: string[];
  documentId?: string;
}

/** Chunks of any version, including records written before records had a `kind`. */
const ANY_CHUNK = { $or: [{ kind: 'chunk' }, { kind: { $exists: false } }] } as Filter<RagRecord>;

export interface RagChunkReader {
  /** Up to `limit` chunks of the serving version (of any when none serves) with 40+ characters. */
  servingChunkTexts(limit: number): Promise<ChunkText[]>;
  /** Up to `limit` chunks' titles, heading paths and documents, of every stored version. */
  chunkOutlines(limit: number): Promise<ChunkOutline[]>;
}

export function createRagChunkReader(mongo: MongoDatabase): RagChunkReader {
  const rag = ragCollection(mongo.db);
  return {
    async servingChunkTexts(limit) {
      const state = await readServingState(mongo.db);
      const filter = state
        ? { kind: 'chunk' as const, indexVersion: state.indexVersion }
        : ANY_CHUNK;
      const records = await rag
        .find(filter)
        .project<Partial<ChunkText>>({ chunkId: 1, documentId: 1, title: 1, text: 1 })
        .limit(limit)
        .toArray();
      return records.flatMap((record) =>
        typeof record.text === 'string' &&
        record.text.trim().length >= 40 &&
        record.chunkId &&
        record.documentId
          ? [
              {
                chunkId: record.chunkId,
                documentId: record.documentId,
                title: record.title ?? '',
                text: record.text,
              },
            ]
          : [],
      );
    },
    async chunkOutlines(limit) {
      return rag
        .find(ANY_CHUNK)
        .project<ChunkOutline>({ title: 1, headingPath: 1, documentId: 1 })
        .limit(limit)
        .toArray();
    },
  };
}
