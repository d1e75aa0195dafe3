// What the agent retrieves through: the search port's `search` (integrations/search/
// search-index.ts), nothing else, so every adapter (lancedb, local, atlas, keyword) plugs in as
// is. The agent's default combines the configured index with the keyword fallback.
import type { Db } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { KeywordSearchIndex } from './keyword-search-index.js';
import type { SearchIndex, SearchResult } from './search-index.js';

export type RetrievedChunk = SearchResult;

export type Retriever = Pick<SearchIndex, 'search'>;

/** BM25 over the serving version's chunks (see KeywordSearchIndex), refreshed every `refreshMs`. */
export function createMongoKeywordRetriever(
  db: Db,
  options: { refreshMs?: number } = {},
): KeywordSearchIndex {
  return new KeywordSearchIndex(db, options);
}

/**
 * The agent's default retriever once an index exists: the hybrid search index (vectors + BM25
 * fused with RRF). Before any index version is serving, or when the query cannot be embedded,
 * it falls back to keyword search, so a question never fails for want of vectors.
 */
export function createHybridRetriever(index: SearchIndex, fallback: Retriever): Retriever {
  return {
    async search(query, options = {}) {
      if ((await index.indexVersion()) === null) return fallback.search(query, options);
      try {
        return await index.search(query, { ...options, mode: options.mode ?? 'hybrid' });
      } catch (error) {
        if (error instanceof SecondBrainError && error.kind !== 'transient') {
          return fallback.search(query, { ...options, mode: 'text' });
        }
        throw error;
      }
    },
  };
}
