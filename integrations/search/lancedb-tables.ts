// LanceDB tables of the rag index: one table per index version, its rows built from the rag
// records, published (with its vector and full-text indexes) before the serving pointer moves,
// and the other versions' tables dropped after the switch.
// Before LanceDB's native module loads: it reads its log level once, at load.
import './lancedb-log-level.js';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Schema, Utf8 } from 'apache-arrow';
import os from 'node:os';
import type { Db } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { textTerms } from '../../domain/ranking/text-terms.js';
import { indexedText, ragCollection, type RagChunkRecord } from './rag-records.js';
import type { StoredChunkFields } from './search-index.js';

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
  /**
   * The vector index ranks by 1-bit RaBitQ codes; this many of its best candidates (at least
   * twice the limit) are re-ranked by their full vectors, which brings recall@10 back to exact
   * search's. A count, not a factor of the limit: hybrid asks for 50 candidates, and 40 × 50
   * full vectors cost it 60 ms more at 1M rows for no gain after fusion.
   */
  refineCandidates?: number;
  /** Candidates taken from each list before reciprocal rank fusion (as the local ranker). */
  candidates?: number;
}

export const LANCEDB_DEFAULT_TUNING = {
  nprobes: 60,
  refineCandidates: 400,
  candidates: 50,
} as const;

/** Below this many rows a flat scan is exact and fast, and IVF has too little to train on. */
export const LANCEDB_VECTOR_INDEX_MIN_ROWS = 10_000;

/** Rows per IVF partition: the vector index gets rows / this many partitions. */
export const LANCEDB_ROWS_PER_PARTITION = 4_096;

/** One row of a version's table: what search returns plus the indexed text and its vector. */
export interface LanceDbChunkRow extends StoredChunkFields {
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

/** The columns a query returns (the rest are only searched: headingKey, indexedText, vector). */
export const LANCEDB_RESULT_COLUMNS = [
  ...['chunkId', 'documentId', 'url', 'title', 'text', 'context', 'headingPath', 'parentId'],
] as const;

const STRING_COLUMNS = [...LANCEDB_RESULT_COLUMNS, 'headingKey', 'indexedText'] as const;

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

/**
 * Lance runs its compute work (spawn_cpu) on the blocking threads of one runtime: cores minus
 * LANCE_IO_CORE_RESERVATION (2), at least one, so a single thread on a 2-core machine. Its
 * full-text index builder blocks such a thread on a channel (gdb: the one `lance-cpu` blocking
 * thread parked in a blocking channel wait, every other thread idle) until work that needs a
 * compute thread of its own has run, so with one thread the build deadlocks: no CPU, a 0-byte
 * temporary file in `_indices/`, forever. Small tables (20k passages) finish before it bites.
 * Reproduced on 2 cores with @lancedb/lancedb 0.31.0 (lance 8.0.0): 100k rows hang with the
 * default and build in 1.1 s with LANCE_CPU_THREADS=2 (1M rows: 23 s). Lance reads the variable
 * on first use, so it is set before the first connection; a value the operator sets wins.
 */
function ensureLanceComputeThreads(): void {
  process.env['LANCE_CPU_THREADS'] ??= String(Math.max(2, os.availableParallelism() - 2));
}

export async function connectLanceDb(location: LanceDbLocation): Promise<lancedb.Connection> {
  ensureLanceComputeThreads();
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
  options: { vectorIndexMinRows?: number } = {},
): Promise<{ rows: number; vectorIndex: boolean }> {
  const name = lanceDbTableName(indexVersion);
  const table = await connection.createEmptyTable(name, tableSchema(dimensions), {
    mode: 'overwrite',
  });
  let rows = 0;
  let appends = 0;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    checkDimensions(batch, dimensions);
    await table.add(batch as unknown as Array<Record<string, unknown>>);
    rows += batch.length;
    appends++;
    onProgress?.(rows);
  }
  if (appends > 1) {
    // Each append is a fragment (a file) of its own: 100 at a million rows. A query re-ranks
    // and returns rows by random access across them, and one compacted file made hybrid search
    // at 1M rows p95 41 ms instead of 60 (docs/benchmarks.md, "Search at scale"). Before the
    // indexes, so they are built once over the final files; the replaced files are deleted.
    await table.optimize({ cleanupOlderThan: new Date() });
  }
  const vectorIndex = rows >= (options.vectorIndexMinRows ?? LANCEDB_VECTOR_INDEX_MIN_ROWS);
  if (vectorIndex) {
    await table.createIndex('vector', {
      // IVF_RQ (1-bit RaBitQ codes, 48 bytes a 384-dimension vector), re-ranked by the full
      // vectors at query time (refineFactor). Measured on 2 cores (docs/benchmarks.md, "Search
      // at scale"): IVF_PQ took 26 minutes to train at 100k rows; IVF_FLAT trains fast but scans
      // full vectors (p95 259 ms at 100k, nprobes 20); HNSW_SQ took 45 s at 100k and reached
      // recall 0.98 only with ef 150; IVF_RQ built in 9 s at 100k. At 1M rows the refine step
      // decides recall@10 against exact search: 0.84 with refine 10 (nprobes 40 or 80), 0.996
      // with nprobes 60 and refine 40 (400 candidates for 10 results).
      config: lancedb.Index.ivfRq({
        distanceType: 'cosine',
        numPartitions: Math.max(1, Math.round(rows / LANCEDB_ROWS_PER_PARTITION)),
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

/** Drops every version table except those of `keep`. */
export async function dropOtherLanceDbTables(
  connection: lancedb.Connection,
  keep: readonly string[],
): Promise<number> {
  const keepNames = new Set(keep.map(lanceDbTableName));
  let dropped = 0;
  for (const name of await connection.tableNames()) {
    if (!name.startsWith('rag_') || keepNames.has(name)) continue;
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
  /** After the switch: removes the tables of every version but `keepVersions`. */
  retire(db: Db, keepVersions: readonly string[]): Promise<void>;
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
    async retire(db, keepVersions) {
      await dropOtherLanceDbTables(await connect(db), keepVersions);
    },
  };
}
