// Hybrid retrieval over an in-memory corpus: exact cosine over the vectors, BM25 over the same
// texts, and reciprocal rank fusion of the two candidate lists. Pure and synchronous, so the
// local search adapter and the benchmark share exactly the same ranking code.
import { Bm25Index } from './bm25.js';
import { VectorMatrix } from './cosine.js';
import { RRF_K, reciprocalRankFusion } from './reciprocal-rank-fusion.js';
import {
  isEmptyFilter,
  matchesFilters,
  type FilterableChunk,
  type SearchFilters,
} from './search-filters.js';

export type RankingMode = 'vector' | 'text' | 'hybrid';

export interface RankableChunk extends FilterableChunk {
  /** The text BM25 indexes (context + chunk). */
  indexedText: string;
  vector: Float32Array;
}

export interface RankedHit {
  /** Position of the chunk in the corpus array. */
  index: number;
  score: number;
}

export interface HybridRankerOptions {
  /** Candidates taken from each list before fusion (at least k). */
  candidates?: number;
  rrfK?: number;
}

export class HybridRanker {
  private readonly vectors: VectorMatrix;
  private readonly bm25: Bm25Index;

  constructor(
    private readonly chunks: readonly RankableChunk[],
    dimensions: number,
    private readonly options: HybridRankerOptions = {},
  ) {
    this.vectors = new VectorMatrix(
      dimensions,
      chunks.map((chunk) => chunk.vector),
    );
    this.bm25 = new Bm25Index(chunks.map((chunk) => chunk.indexedText));
  }

  get size(): number {
    return this.chunks.length;
  }

  rank(
    query: { text: string; vector?: Float32Array },
    options: { k: number; mode: RankingMode; filters?: SearchFilters },
  ): RankedHit[] {
    const { k, mode, filters } = options;
    const accept = isEmptyFilter(filters)
      ? undefined
      : (index: number) => matchesFilters(this.chunks[index] as RankableChunk, filters);
    const needsVector = mode !== 'text';
    if (needsVector && !query.vector) throw new Error(`Mode ${mode} needs a query vector`);
    if (mode === 'vector') return this.vectors.search(query.vector as Float32Array, k, accept);
    if (mode === 'text') return this.bm25.search(query.text, k, accept);
    const candidates = Math.max(k, this.options.candidates ?? 50);
    const vectorHits = this.vectors.search(query.vector as Float32Array, candidates, accept);
    const textHits = this.bm25.search(query.text, candidates, accept);
    return reciprocalRankFusion(
      [vectorHits.map((hit) => hit.index), textHits.map((hit) => hit.index)],
      { k: this.options.rrfK ?? RRF_K },
    )
      .slice(0, k)
      .map(({ id, score }) => ({ index: id, score }));
  }
}
