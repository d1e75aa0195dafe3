// The search adapter for corpora that outgrow memory: each rag index version is a LanceDB
// table (on local disk under .data by default, or on S3) with an IVF vector index and
// a full-text index, so every agent worker queries the same files instead of holding a copy of
// every vector. The serving pointer stays in MongoDB (`rag_index_state`): the activation step
// publishes the new version's table first and then switches the pointer, so a reader only ever
// opens a complete table, and the switch is the same single-document compare-and-swap as before.
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Schema, Utf8 } from 'apache-arrow';
import type { Db } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { RRF_K, reciprocalRankFusion } from '../../domain/ranking/reciprocal-rank-fusion.js';
import { isEmptyFilter, type SearchFilters } from '../../domain/ranking/search-filters.js';
import { textTerms } from '../../domain/ranking/text-terms.js';
import {
  assertSameEmbeddingModel,
  expandParents,
  type QueryEmbeddings,
} from './local-search-index.js';
import {
  indexedText,
  ragCollection,
  readServingState,
  type RagChunkRecord,
  type RagServingState,
} from './rag-records.js';
import {
  DEFAULT_SEARCH_K,
  type SearchIndex,
  type SearchOptions,
  type SearchResult,
} from './search-index.js';

/** Where the tables live and how to reach them. */
export interface LanceDbLocation {
  /** A directory (`.data/lancedb`) or an object-store URI (`s3://bucket/prefix`). */
  uri: string;
  /** LanceDB object-store options, e.g. the S3 endpoint and credentials. */
  storageOptions?: Record<string, string>;
}

/** Query-time knobs of the vector index (defaults measured by bench/search-scale). */
export interface LanceDbQueryTuning {
  /** IVF partitions probed per query. */
  nprobes?: number;
  /** Candidates taken from each list before reciprocal rank fusion (as the local ranker). */
  candidates?: number;
}

export const LANCEDB_DEFAULT_TUNING = { nprobes: 20, candidates: 50 } as const;

/** Below this many rows a flat scan is exact and fast, and IVF has too little to train on. */
export const LANCEDB_VECTOR_INDEX_MIN_ROWS = 10_000;

/** One row of a version's table: what search returns plus the indexed text and its vector. */
export interface LanceDbChunkRow {
  chunkId: string;
  documentId: string;
  url: string;
  title: string;
  text: string;
  context: string;
  /** JSON array of the heading titles (returned as is). */
  headingPath: string;
  /** Lowercased heading titles, each followed by a separator, for prefix filters. */
  headingKey: string;
  parentId: string;
  indexedText: string;
  vector: Float32Array;
}

const HEADING_SEPARATOR = '\u001f';

export function headingKey(headingPath: readonly string[]): string {
  return headingPath.map((title) => `${title.toLowerCase()}${HEADING_SEPARATOR}`).join('');
}

export function lanceDbChunkRow(record: RagChunkRecord): LanceDbChunkRow {
  return {
    chunkId: record.chunkId,
    documentId: record.documentId,
    url: record.url,
    title: record.title,
    text: record.text,
    context: record.context,
    headingPath: JSON.stringify(record.headingPath),
    headingKey: headingKey(record.headingPath),
    parentId: record.parentId ?? '',
    // The analyzer's terms, not the raw text: LanceDB tokenizes on whitespace only, so BM25
    // here sees exactly the terms the local ranker's BM25 sees (one analyzer for both).
    indexedText: textTerms(indexedText(record)).join(' '),
    vector: Float32Array.from(record.embedding),
  };
}

/** Table names may hold letters, digits, `_`, `-` and `.`; versions are ids of that kind. */
export function lanceDbTableName(indexVersion: string): string {
  return `rag_${indexVersion.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

const STRING_COLUMNS = [
  'chunkId',
  'documentId',
  'url',
  'title',
  'text',
  'context',
  'headingPath',
  'headingKey',
  'parentId',
  'indexedText',
] as const;

function checkDimensions(rows: readonly LanceDbChunkRow[], dimensions: number): void {
  for (const row of rows) {
    if (row.vector.length !== dimensions) {
      throw new SecondBrainError(
        'validation',
        `Chunk ${row.chunkId} has ${row.vector.length} dimensions, the index ${dimensions}`,
      );
    }
  }
}

function tableSchema(dimensions: number): Schema {
  return new Schema([
    ...STRING_COLUMNS.map((name) => new Field(name, new Utf8(), false)),
    new Field(
      'vector',
      new FixedSizeList(dimensions, new Field('item', new Float32(), true)),
      false,
    ),
  ]);
}

export async function connectLanceDb(location: LanceDbLocation): Promise<lancedb.Connection> {
  return lancedb.connect(location.uri, { storageOptions: location.storageOptions });
}

/**
 * The tables of one MongoDB database: a folder (or S3 prefix) named after it, so two
 * deployments (or test runs) sharing a data directory never see, or drop, each other's tables.
 */
export function databaseLocation(location: LanceDbLocation, db: Db): LanceDbLocation {
  return { ...location, uri: `${location.uri.replace(/\/+$/, '')}/${db.databaseName}` };
}

/**
 * Writes one index version's table and its indexes. Idempotent: a retried activation replaces
 * whatever a failed attempt left, and the serving pointer is switched only after this returns.
 */
export async function publishLanceDbTable(
  connection: lancedb.Connection,
  indexVersion: string,
  dimensions: number,
  batches: AsyncIterable<readonly LanceDbChunkRow[]> | Iterable<readonly LanceDbChunkRow[]>,
  onProgress?: (rows: number) => void,
): Promise<{ rows: number; vectorIndex: boolean }> {
  const name = lanceDbTableName(indexVersion);
  const table = await connection.createEmptyTable(name, tableSchema(dimensions), {
    mode: 'overwrite',
  });
  let rows = 0;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    checkDimensions(batch, dimensions);
    await table.add(batch as unknown as Array<Record<string, unknown>>);
    rows += batch.length;
    onProgress?.(rows);
  }
  const vectorIndex = rows >= LANCEDB_VECTOR_INDEX_MIN_ROWS;
  if (vectorIndex) {
    await table.createIndex('vector', {
      // IVF_FLAT, not IVF_PQ: on this project's 2-core machines IVF_PQ took 26 minutes to train
      // at 100k rows (its product quantizer), IVF_FLAT 27 s, and IVF_FLAT needs no refine step
      // since the probed partitions hold full vectors. About 4,096 rows per partition.
      config: lancedb.Index.ivfFlat({
        distanceType: 'cosine',
        numPartitions: Math.max(1, Math.round(rows / 4_096)),
      }),
    });
  }
  await table.createIndex('indexedText', {
    // The text is already analyzed (textTerms): split on whitespace, nothing else.
    config: lancedb.Index.fts({
      baseTokenizer: 'whitespace',
      lowercase: false,
      stem: false,
      removeStopWords: false,
      asciiFolding: false,
      withPosition: false,
    }),
  });
  if (rows > 0) await table.createIndex('documentId', { config: lancedb.Index.btree() });
  table.close();
  return { rows, vectorIndex };
}

/** Drops every version table except `keep`. */
export async function dropOtherLanceDbTables(
  connection: lancedb.Connection,
  keep: string,
): Promise<number> {
  const keepName = lanceDbTableName(keep);
  let dropped = 0;
  for (const name of await connection.tableNames()) {
    if (!name.startsWith('rag_') || name === keepName) continue;
    await connection.dropTable(name);
    dropped++;
  }
  return dropped;
}

/** Publishes the serving-to-be version's chunks from MongoDB (the activation step calls it). */
export interface SearchTablePublisher {
  publish(
    db: Db,
    indexVersion: string,
    dimensions: number,
    onProgress?: (rows: number) => void,
  ): Promise<void>;
  /** After the switch: removes the tables of other versions. */
  retire(db: Db, keepVersion: string): Promise<void>;
}

export function lanceDbTablePublisher(location: LanceDbLocation): SearchTablePublisher {
  const connections = new Map<string, Promise<lancedb.Connection>>();
  const connect = (db: Db) => {
    let connection = connections.get(db.databaseName);
    if (!connection) {
      connection = connectLanceDb(databaseLocation(location, db));
      connections.set(db.databaseName, connection);
    }
    return connection;
  };
  return {
    async publish(db, indexVersion, dimensions, onProgress) {
      async function* batches(): AsyncGenerator<LanceDbChunkRow[]> {
        let batch: LanceDbChunkRow[] = [];
        const cursor = ragCollection(db).find({ indexVersion, kind: 'chunk' }).sort({ _id: 1 });
        for await (const record of cursor) {
          batch.push(lanceDbChunkRow(record as RagChunkRecord));
          if (batch.length === 10_000) {
            yield batch;
            batch = [];
          }
        }
        yield batch;
      }
      await publishLanceDbTable(await connect(db), indexVersion, dimensions, batches(), onProgress);
    },
    async retire(db, keepVersion) {
      await dropOtherLanceDbTables(await connect(db), keepVersion);
    },
  };
}

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

interface LanceDbHit {
  chunkId: string;
  documentId: string;
  url: string;
  title: string;
  text: string;
  context: string;
  headingPath: string;
  parentId: string;
  _distance?: number;
  _score?: number;
}

const RESULT_COLUMNS = [
  'chunkId',
  'documentId',
  'url',
  'title',
  'text',
  'context',
  'headingPath',
  'parentId',
];

/** Searches one open version table; shared by the adapter and bench/search-scale. */
export class LanceDbVersionTable {
  constructor(
    readonly table: lancedb.Table,
    private readonly tuning: LanceDbQueryTuning = {},
  ) {}

  async vector(vector: Float32Array, limit: number, where?: string): Promise<LanceDbHit[]> {
    let query = this.table
      .vectorSearch(vector)
      .distanceType('cosine')
      .nprobes(this.tuning.nprobes ?? LANCEDB_DEFAULT_TUNING.nprobes)
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
