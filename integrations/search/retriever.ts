// The Retriever port the agent searches through, and its embedded default: keyword (BM25)
// ranking over the `rag` collection's chunks, loaded with a plain find() so it runs on FerretDB,
// MongoDB Community and Atlas alike. The hybrid search index (RAG issue) replaces the default
// behind the same port.
import type { Db } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { COLLECTIONS } from '../../domain/names.js';
import type { SearchIndex } from './search-index.js';

export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  url: string;
  title: string;
  text: string;
  score: number;
}

export interface Retriever {
  search(query: string, options: { k: number }): Promise<RetrievedChunk[]>;
}

interface ChunkRecord {
  _id: unknown;
  chunkId?: string;
  documentId?: string;
  url?: string;
  title?: string;
  text?: string;
  headingPath?: string[];
  kind?: string;
}

const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from how i in is it of on or the this to was what when where which who why with you your me my about tell'.split(
    ' ',
  ),
);

export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (term) => term.length > 1 && !STOP_WORDS.has(term),
  );
}

interface LoadedChunk extends Omit<RetrievedChunk, 'score'> {
  termCounts: Map<string, number>;
  length: number;
}

/** BM25 over chunk title + text, reloaded at most every `refreshMs` so new indexes show up. */
export function createMongoKeywordRetriever(
  db: Db,
  options: { refreshMs?: number } = {},
): Retriever {
  let loaded: { at: number; chunks: LoadedChunk[] } | undefined;
  async function load(): Promise<LoadedChunk[]> {
    if (loaded && Date.now() - loaded.at < (options.refreshMs ?? 10_000)) return loaded.chunks;
    const records = await db
      .collection<ChunkRecord>(COLLECTIONS.rag)
      .find({ $or: [{ kind: 'chunk' }, { kind: { $exists: false } }] })
      .project<ChunkRecord>({ embedding: 0 })
      .toArray();
    const chunks = records.flatMap((record): LoadedChunk[] => {
      if (typeof record.text !== 'string') return [];
      const words = terms(
        `${record.title ?? ''} ${record.headingPath?.join(' ') ?? ''} ${record.text}`,
      );
      const termCounts = new Map<string, number>();
      for (const word of words) termCounts.set(word, (termCounts.get(word) ?? 0) + 1);
      return [
        {
          chunkId: record.chunkId ?? String(record._id),
          documentId: record.documentId ?? '',
          url: record.url ?? '',
          title: record.title ?? '',
          text: record.text,
          termCounts,
          length: words.length,
        },
      ];
    });
    loaded = { at: Date.now(), chunks };
    return chunks;
  }
  return {
    async search(query, { k }) {
      const chunks = await load();
      const queryTerms = [...new Set(terms(query))];
      if (chunks.length === 0 || queryTerms.length === 0) return [];
      const averageLength = chunks.reduce((sum, chunk) => sum + chunk.length, 0) / chunks.length;
      const documentFrequency = new Map(
        queryTerms.map((term) => [
          term,
          chunks.filter((chunk) => chunk.termCounts.has(term)).length,
        ]),
      );
      const k1 = 1.2;
      const b = 0.75;
      return chunks
        .map((chunk) => {
          let score = 0;
          for (const term of queryTerms) {
            const frequency = chunk.termCounts.get(term) ?? 0;
            if (frequency === 0) continue;
            const df = documentFrequency.get(term) ?? 0;
            const idf = Math.log(1 + (chunks.length - df + 0.5) / (df + 0.5));
            score +=
              (idf * frequency * (k1 + 1)) /
              (frequency + k1 * (1 - b + (b * chunk.length) / Math.max(1, averageLength)));
          }
          return { chunk, score };
        })
        .filter((entry) => entry.score > 0)
        .sort((a, b) => b.score - a.score || a.chunk.chunkId.localeCompare(b.chunk.chunkId))
        .slice(0, k)
        .map(({ chunk, score }) => ({
          chunkId: chunk.chunkId,
          documentId: chunk.documentId,
          url: chunk.url,
          title: chunk.title,
          text: chunk.text,
          score,
        }));
    },
  };
}

/**
 * The agent's default retriever once an index exists: the hybrid search index (vectors + BM25
 * fused with RRF). Before any index version is serving, or when the query cannot be embedded,
 * it falls back to the keyword retriever, so a question never fails for want of vectors.
 */
export function createHybridRetriever(index: SearchIndex, fallback: Retriever): Retriever {
  return {
    async search(query, options) {
      if ((await index.indexVersion()) === null) return fallback.search(query, options);
      try {
        const results = await index.search(query, { k: options.k, mode: 'hybrid' });
        return results.map((result) => ({
          chunkId: result.chunkId,
          documentId: result.documentId,
          url: result.url,
          title: result.title,
          text: result.text,
          score: result.score,
        }));
      } catch (error) {
        if (error instanceof SecondBrainError && error.kind !== 'transient') {
          return fallback.search(query, options);
        }
        throw error;
      }
    },
  };
}
