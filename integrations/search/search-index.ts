// The retrieval port: the agent, the CLI and the benchmark search through it, and adapters
// (`local` in-memory over MongoDB, `atlas` Atlas Search) implement it.
import type { SearchFilters } from '../../domain/ranking/search-filters.js';

export const SEARCH_MODES = ['vector', 'text', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export interface SearchOptions {
  /** How many results (default 10). */
  k?: number;
  /** Default hybrid: vectors and BM25 fused with reciprocal rank fusion. */
  mode?: SearchMode;
  filters?: SearchFilters;
  /** Return each hit's parent chunk (parent retriever) instead of the child; default true. */
  expandParents?: boolean;
}

export interface SearchResult {
  chunkId: string;
  documentId: string;
  url: string;
  title: string;
  /** Higher is better; the scale depends on the mode (cosine, BM25 or RRF). */
  score: number;
  /** The chunk's text, or its parent's when parents are expanded. */
  text: string;
  /** The contextual-retrieval context of the matched chunk ('' if none). */
  context: string;
  headingPath: string[];
  /** The matched child chunk when `text` is its parent's. */
  matchedChunkId: string;
  parentId: string | null;
}

/** What an index stores of a chunk and returns for it (keyword rows, LanceDB rows). */
export type StoredChunkFields = Pick<
  SearchResult,
  'chunkId' | 'documentId' | 'url' | 'title' | 'text' | 'context'
>;

export interface SearchIndex {
  readonly backend: 'local' | 'atlas' | 'lancedb' | 'keyword';
  search(query: string, options?: SearchOptions): Promise<SearchResult[]>;
  /** The serving index version (null when nothing is indexed yet). */
  indexVersion(): Promise<string | null>;
}

export { DEFAULT_SEARCH_K } from '../../domain/ranking/search-defaults.js';
