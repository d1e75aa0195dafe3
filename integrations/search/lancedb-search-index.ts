// The search adapter for corpora that outgrow memory: each rag index version is a LanceDB
// table (on local disk under .data by default, or on S3) with an IVF vector index and
// a full-text index, so every agent worker queries the same files instead of holding a copy of
// every vector. The serving pointer stays in MongoDB (`rag_index_state`): the activation step
// publishes the new version's table first and then switches the pointer, so a reader only ever
// opens a complete table, and the switch is the same single-document compare-and-swap as before.
import type * as lancedb from '@lancedb/lancedb';
import type { Db } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { RRF_K, reciprocalRankFusion } from '../../domain/ranking/reciprocal-rank-fusion.js';
import { isEmptyFilter, type SearchFilters } from '../../domain/ranking/search-filters.js';
import { textTerms } from '../../domain/ranking/text-terms.js';
import { assertSameEmbeddingModel, expandParents } from './local-search-index.js';
import type { QueryEmbeddings } from './local-search-index.js';
import { readServingState, type RagServingState } from './rag-records.js';
import { DEFAULT_SEARCH_K } from './search-index.js';
import type { SearchIndex, SearchOptions, SearchResult } from './search-index.js';

import type { LanceDbChunkRow, LanceDbLocation, LanceDbQueryTuning } from './lancedb-tables.js';
import {
  LANCEDB_DEFAULT_TUNING,
  LANCEDB_RESULT_COLUMNS,
  headingKey,
  lanceDbTableName,
  connectLanceDb,
  databaseLocation,
} from './lancedb-tables.js';

export * from './lancedb-tables.js';

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The SearchFilters as a LanceDB (DataFusion SQL) predicate, or undefined for none. */
export function lanceDbFilter(filters: SearchFilters | undefined): string | undefined {
  if (!filters || isEmptyFilter(filters)) return undefined;
  const clauses: string[] = [];
  if (filters.documentIds !== undefined) {
    clauses.push(
      filters.documentIds.length === 0
        ? 'false'
        : `documentId IN (${filters.documentIds.map(quote).join(', ')})`,
    );
  }
  if (filters.urlPrefix) clauses.push(`starts_with(url, ${quote(filters.urlPrefix)})`);
  if (filters.headingPath && filters.headingPath.length > 0) {
    clauses.push(`starts_with(headingKey, ${quote(headingKey(filters.headingPath))})`);
  }
  return clauses.join(' AND ');
}

/** A row as a query returns it: the result columns, and the distance or score it ranked by. */
type LanceDbHit = Omit<LanceDbChunkRow, 'headingKey' | 'indexedText' | 'vector'> & {
  _distance?: number;
  _score?: number;
};

const RESULT_COLUMNS = [...LANCEDB_RESULT_COLUMNS];

/** Searches one open version table; shared by the adapter and bench/search-scale. */
export class LanceDbVersionTable {
  constructor(
    readonly table: lancedb.Table,
    private readonly tuning: LanceDbQueryTuning = {},
  ) {}

  async vector(vector: Float32Array, limit: number, where?: string): Promise<LanceDbHit[]> {
    const refineCandidates =
      this.tuning.refineCandidates ?? LANCEDB_DEFAULT_TUNING.refineCandidates;
    let query = this.table
      .vectorSearch(vector)
      .distanceType('cosine')
      .nprobes(this.tuning.nprobes ?? LANCEDB_DEFAULT_TUNING.nprobes)
      .refineFactor(Math.max(2, Math.ceil(refineCandidates / limit)))
      .select([...RESULT_COLUMNS, '_distance'])
      .limit(limit);
    if (where) query = query.where(where);
    return (await query.toArray()) as LanceDbHit[];
  }

  async text(query: string, limit: number, where?: string): Promise<LanceDbHit[]> {
    const terms = [...new Set(textTerms(query))];
    if (terms.length === 0) return [];
    let search = this.table
      .query()
      .fullTextSearch(terms.join(' '), { columns: 'indexedText' })
      .select([...RESULT_COLUMNS, '_score'])
      .limit(limit);
    if (where) search = search.where(where);
    return (await search.toArray()) as LanceDbHit[];
  }

  /** Vector and BM25 candidates fused with reciprocal rank fusion, as the local ranker does. */
  async hybrid(
    query: string,
    vector: Float32Array,
    limit: number,
    where?: string,
  ): Promise<Array<{ hit: LanceDbHit; score: number }>> {
    const candidates = Math.max(limit, this.tuning.candidates ?? LANCEDB_DEFAULT_TUNING.candidates);
    const [vectorHits, textHits] = await Promise.all([
      this.vector(vector, candidates, where),
      this.text(query, candidates, where),
    ]);
    const byId = new Map<string, LanceDbHit>();
    for (const hit of [...vectorHits, ...textHits])
      if (!byId.has(hit.chunkId)) byId.set(hit.chunkId, hit);
    return reciprocalRankFusion(
      [vectorHits.map((hit) => hit.chunkId), textHits.map((hit) => hit.chunkId)],
      { k: RRF_K },
    )
      .slice(0, limit)
      .map(({ id, score }) => ({ hit: byId.get(id) as LanceDbHit, score }));
  }
}

export interface LanceDbSearchIndexOptions {
  /** MongoDB: the serving pointer and the parent chunks. */
  db: Db;
  location: LanceDbLocation;
  embeddings?: QueryEmbeddings;
  tuning?: LanceDbQueryTuning;
  refreshIntervalMs?: number;
}

interface OpenVersion {
  state: RagServingState;
  table: LanceDbVersionTable;
}

export class LanceDbSearchIndex implements SearchIndex {
  readonly backend = 'lancedb' as const;
  private connection: Promise<lancedb.Connection> | undefined;
  private opened: OpenVersion | undefined;
  private opening: Promise<OpenVersion | undefined> | undefined;
  private checkedAt = 0;
  private servingMissing = false;

  constructor(private readonly options: LanceDbSearchIndexOptions) {}

  async indexVersion(): Promise<string | null> {
    return (await this.current())?.state.indexVersion ?? null;
  }

  invalidate(): void {
    this.checkedAt = 0;
  }

  private async current(): Promise<OpenVersion | undefined> {
    const interval = this.options.refreshIntervalMs ?? 1_000;
    if (Date.now() - this.checkedAt < interval && (this.opened || this.servingMissing)) {
      return this.opened;
    }
    this.opening ??= (async () => {
      try {
        const state = await readServingState(this.options.db);
        this.checkedAt = Date.now();
        this.servingMissing = state === null;
        if (!state) return (this.opened = undefined);
        if (this.opened?.state.indexVersion === state.indexVersion) return this.opened;
        this.connection ??= connectLanceDb(
          databaseLocation(this.options.location, this.options.db),
        );
        const connection = await this.connection;
        const name = lanceDbTableName(state.indexVersion);
        let table: lancedb.Table;
        try {
          table = await connection.openTable(name);
        } catch (error) {
          throw new SecondBrainError(
            'notFound',
            `The serving rag index ${state.indexVersion} has no LanceDB table at ${this.options.location.uri}; run the rag pipeline again to publish it`,
            { cause: error },
          );
        }
        const previous = this.opened;
        this.opened = { state, table: new LanceDbVersionTable(table, this.options.tuning) };
        previous?.table.table.close();
        return this.opened;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const k = options.k ?? DEFAULT_SEARCH_K;
    const mode = options.mode ?? 'hybrid';
    if (query.trim() === '') throw new SecondBrainError('validation', 'The search query is empty');
    const version = await this.current();
    if (!version || version.state.chunkCount === 0) return [];
    let vector: Float32Array | undefined;
    if (mode !== 'text') {
      const model = assertSameEmbeddingModel(version.state, this.options.embeddings);
      [vector] = await model.embed([query]);
    }
    const expand = (options.expandParents ?? true) && version.state.retriever === 'parent';
    const limit = expand ? k * 4 : k;
    const where = lanceDbFilter(options.filters);
    const table = version.table;
    const scored: Array<{ hit: LanceDbHit; score: number }> =
      mode === 'vector'
        ? (await table.vector(vector as Float32Array, limit, where)).map((hit) => ({
            hit,
            score: 1 - (hit._distance ?? 1),
          }))
        : mode === 'text'
          ? (await table.text(query, limit, where)).map((hit) => ({ hit, score: hit._score ?? 0 }))
          : await table.hybrid(query, vector as Float32Array, limit, where);
    const results: SearchResult[] = scored.map(({ hit, score }) => ({
      chunkId: hit.chunkId,
      documentId: hit.documentId,
      url: hit.url,
      title: hit.title,
      score,
      text: hit.text,
      context: hit.context,
      headingPath: JSON.parse(hit.headingPath) as string[],
      matchedChunkId: hit.chunkId,
      parentId: hit.parentId === '' ? null : hit.parentId,
    }));
    return expand
      ? expandParents(this.options.db, version.state.indexVersion, results, k)
      : results.slice(0, k);
  }
}
