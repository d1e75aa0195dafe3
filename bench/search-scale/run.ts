// Search at scale: the in-memory index (HybridRanker, what LocalSearchIndex serves) against the
// LanceDB tables (LanceDbSearchIndex) at 100k, 500k and 1M chunks of 384 dimensions. Each
// (engine, size) is measured in its own process so RSS is that engine's alone. Query latency
// excludes the query embedding (the vectors are given); load time is building the in-memory
// index from chunks already in memory (reading them from MongoDB comes on top) or opening the
// LanceDB table and answering a first query. recall@10 is against exact cosine search.
//
//   node --import tsx bench/search-scale/run.ts [--sizes 100000,500000,1000000] [--engines local,lancedb]
//     [--queries 200] [--nprobes 60] [--refine 400] [--storage local|s3]
//
// `--storage s3` keeps the LanceDB tables on S3 instead of local disk: the bench starts its own
// servers (versitygw among them) on free loopback ports, and every role reads and writes
// `s3://<bucket>/search-scale/lancedb-N` through LanceDB's object store, as agent workers
// sharing one index would.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/environment.js';
import { HybridRanker, type RankableChunk } from '../../domain/ranking/hybrid-ranker.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import {
  LANCEDB_DEFAULT_TUNING,
  LanceDbVersionTable,
  connectLanceDb,
  headingKey,
  publishLanceDbTable,
  type LanceDbChunkRow,
  type LanceDbLocation,
} from '../../integrations/search/lancedb-search-index.js';
import {
  privateInfrastructureEnvironment,
  repositoryRoot,
} from '../support/private-infrastructure.js';
import { textTerms } from '../../domain/ranking/text-terms.js';
import {
  DIMENSIONS,
  RESULTS_DIRECTORY,
  chunkVector,
  passages,
  scaleQueries,
  syntheticChunk,
} from './synthetic-corpus.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'run' },
    engine: { type: 'string', default: 'local' },
    chunks: { type: 'string', default: '100000' },
    sizes: { type: 'string', default: '100000,500000,1000000' },
    engines: { type: 'string', default: 'local,lancedb' },
    queries: { type: 'string', default: '200' },
    nprobes: { type: 'string', default: String(LANCEDB_DEFAULT_TUNING.nprobes) },
    refine: { type: 'string', default: String(LANCEDB_DEFAULT_TUNING.refineCandidates) },
    storage: { type: 'string', default: 'local' },
  },
});

const MODES = ['vector', 'text', 'hybrid'] as const;
type Mode = (typeof MODES)[number];

interface Measurement {
  chunks: number;
  engine: string;
  mode: Mode;
  p50: number;
  p95: number;
  loadSeconds: number;
  rssMiB: number;
  recallAt10: number | null;
  /** How many queries (a prefix) the exact ranking covers. */
  recallQueries: number;
  loadAverage: number;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

/** Set by the parent of an S3 run for its children: the tables' S3 prefix. */
const S3_PREFIX_VARIABLE = 'SEARCH_SCALE_S3_URI';

function lanceDirectory(chunks: number): string {
  return path.resolve(RESULTS_DIRECTORY, `lancedb-${chunks}`);
}

/** Where the table of this size lives: the local directory, or its S3 prefix in an S3 run. */
function lanceLocation(chunks: number): LanceDbLocation {
  const s3 = process.env[S3_PREFIX_VARIABLE];
  if (!s3) return { uri: lanceDirectory(chunks) };
  // The endpoint and credentials the application itself would use for this S3 server.
  const { storageOptions } = loadConfig({ ...process.env, RAG_LANCEDB_URI: s3 }, repositoryRoot).rag
    .lancedb;
  return { uri: `${s3}/lancedb-${chunks}`, storageOptions };
}

/** The build's record (rows, seconds) stays on local disk whatever the storage. */
function buildRecord(chunks: number): string {
  return process.env[S3_PREFIX_VARIABLE]
    ? path.resolve(RESULTS_DIRECTORY, `build-s3-${chunks}.json`)
    : path.join(lanceDirectory(chunks), 'build.json');
}

/** Query i is the same whatever the count, so a shorter truth covers a prefix of the queries. */
function truthFile(chunks: number): string {
  return path.join(RESULTS_DIRECTORY, `exact-${chunks}.json`);
}

function recall(found: string[][], exact: string[][]): number {
  let hits = 0;
  let total = 0;
  found.slice(0, exact.length).forEach((ids, query) => {
    const truth = new Set(exact[query]);
    total += truth.size;
    for (const id of ids.slice(0, 10)) if (truth.has(id)) hits++;
  });
  return total === 0 ? 1 : hits / total;
}

/**
 * Exact top-10 chunk ids per query by cosine: LanceDB's flat scan of the full vectors with the
 * index bypassed (the table is built first). It is the exact ranking the in-memory index
 * computes, in native code: the JavaScript scan took over 20 minutes for 200 queries at 200k
 * chunks on the shared 2 cores.
 */
async function exactTruth(
  chunks: number,
  queries: { vector: Float32Array }[],
): Promise<string[][]> {
  const file = truthFile(chunks);
  const truth: string[][] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as string[][])
    : [];
  const connection = await connectLanceDb(lanceLocation(chunks));
  const table = await connection.openTable('rag_bench');
  // Written every 10 queries: a long run stopped early still leaves the queries it finished.
  for (const query of queries.slice(truth.length)) {
    const rows = (await table
      .vectorSearch(query.vector)
      .distanceType('cosine')
      .bypassVectorIndex()
      .select(['chunkId'])
      .limit(10)
      .toArray()) as Array<{ chunkId: string }>;
    truth.push(rows.map((row) => row.chunkId));
    if (truth.length % 10 === 0) {
      writeFileSync(file, JSON.stringify(truth));
      log(`  exact search ${truth.length}/${queries.length}`);
    }
  }
  writeFileSync(file, JSON.stringify(truth));
  return truth;
}

async function buildLanceDb(chunks: number): Promise<void> {
  const texts = passages();
  const started = performance.now();
  const connection = await connectLanceDb(lanceLocation(chunks));
  function* batches(): Generator<LanceDbChunkRow[]> {
    for (let start = 0; start < chunks; start += 10_000) {
      const rows: LanceDbChunkRow[] = [];
      for (let index = start; index < Math.min(chunks, start + 10_000); index++) {
        const chunk = syntheticChunk(index, texts);
        rows.push({
          ...chunk,
          context: '',
          headingPath: '[]',
          headingKey: headingKey([]),
          parentId: '',
          indexedText: textTerms(chunk.text).join(' '),
          vector: chunkVector(index),
        });
      }
      yield rows;
    }
  }
  const result = await publishLanceDbTable(connection, 'bench', DIMENSIONS, batches(), (rows) => {
    if (rows % 100_000 === 0) log(`  written ${rows}/${chunks}`);
  });
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(
    buildRecord(chunks),
    JSON.stringify({ ...result, seconds, loadAverage: os.loadavg()[0] }),
  );
  log(`built LanceDB table of ${chunks} chunks in ${seconds.toFixed(0)} s`);
}

async function timeQueries(
  run: (query: { text: string; vector: Float32Array }, mode: Mode) => Promise<string[]> | string[],
  queries: { text: string; vector: Float32Array }[],
): Promise<Map<Mode, { times: number[]; ids: string[][] }>> {
  const results = new Map<Mode, { times: number[]; ids: string[][] }>();
  for (const mode of MODES) {
    for (const query of queries.slice(0, 10)) await run(query, mode); // warm-up
    const times: number[] = [];
    const ids: string[][] = [];
    for (const query of queries) {
      const started = performance.now();
      ids.push(await run(query, mode));
      times.push(performance.now() - started);
    }
    results.set(mode, { times: times.sort((a, b) => a - b), ids });
  }
  return results;
}

async function measure(engine: string, chunks: number): Promise<Measurement[]> {
  const texts = passages();
  const queries = scaleQueries(chunks, Number(values.queries), texts);
  let loadSeconds: number;
  let timed: Map<Mode, { times: number[]; ids: string[][] }>;
  if (engine === 'local') {
    // What LocalSearchIndex holds: one object per chunk with its vector, plus the ranker.
    const corpus: Array<RankableChunk & { chunkId: string }> = [];
    for (let index = 0; index < chunks; index++) {
      const chunk = syntheticChunk(index, texts);
      corpus.push({
        ...chunk,
        headingPath: [],
        indexedText: chunk.text,
        vector: chunkVector(index),
      });
    }
    log(`  generated ${chunks} chunks`);
    const started = performance.now();
    const ranker = new HybridRanker(corpus, DIMENSIONS);
    loadSeconds = (performance.now() - started) / 1000;
    timed = await timeQueries(
      (query, mode) =>
        ranker
          .rank({ text: query.text, vector: query.vector }, { k: 10, mode })
          .map((hit) => (corpus[hit.index] as { chunkId: string }).chunkId),
      queries,
    );
  } else {
    const started = performance.now();
    const connection = await connectLanceDb(lanceLocation(chunks));
    const table = new LanceDbVersionTable(await connection.openTable('rag_bench'), {
      nprobes: Number(values.nprobes),
      refineCandidates: Number(values.refine),
    });
    await table.hybrid(queries[0]?.text ?? 'query', queries[0]?.vector as Float32Array, 10);
    loadSeconds = (performance.now() - started) / 1000;
    timed = await timeQueries(async (query, mode) => {
      const hits =
        mode === 'vector'
          ? await table.vector(query.vector, 10)
          : mode === 'text'
            ? await table.text(query.text, 10)
            : (await table.hybrid(query.text, query.vector, 10)).map(({ hit }) => hit);
      return hits.map((hit) => hit.chunkId);
    }, queries);
  }
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  // The in-memory ranker's vector mode is exact cosine: it is the ground truth when no file
  // was computed (the old index at 1M is measured once, without the streamed exact search).
  const exact = existsSync(truthFile(chunks))
    ? (JSON.parse(readFileSync(truthFile(chunks), 'utf8')) as string[][])
    : (timed.get('vector')?.ids ?? []);
  return MODES.map((mode) => {
    const { times, ids } = timed.get(mode) as { times: number[]; ids: string[][] };
    return {
      chunks,
      engine:
        engine === 'local'
          ? 'in-memory (old)'
          : process.env[S3_PREFIX_VARIABLE]
            ? 'LanceDB on S3'
            : 'LanceDB',
      mode,
      p50: percentile(times, 0.5),
      p95: percentile(times, 0.95),
      loadSeconds,
      rssMiB,
      recallAt10: mode === 'vector' ? recall(ids, exact) : null,
      recallQueries: Math.min(exact.length, ids.length),
      loadAverage: os.loadavg()[0] as number,
    };
  });
}

/** The children's environment: this process's, plus the S3 servers of an S3 run. */
let childEnvironment: NodeJS.ProcessEnv = process.env;

function child(args: string[], heapMiB = 8192): string {
  return execFileSync(
    process.execPath,
    [`--max-old-space-size=${heapMiB}`, '--import', 'tsx', 'bench/search-scale/run.ts', ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
      env: childEnvironment,
    },
  );
}

/** Starts private servers (S3 among them) for an S3 run; returns how to stop them. */
async function useS3Storage(): Promise<() => Promise<void>> {
  const dataDirectory = path.resolve(RESULTS_DIRECTORY, 's3-servers');
  const bucket = 'search-scale';
  const environment = await privateInfrastructureEnvironment(dataDirectory, {
    database: 'search_scale',
    bucket,
  });
  const config = loadConfig(environment, repositoryRoot);
  await infrastructureUp(config, log);
  // This process reads it too (buildRecord), and the children inherit it.
  process.env[S3_PREFIX_VARIABLE] = `s3://${bucket}/search-scale`;
  childEnvironment = { ...environment, ...process.env, S3_ENDPOINT: config.s3.endpoint };
  return async () => void (await infrastructureDown(config));
}

async function main(): Promise<void> {
  const chunks = Number(values.chunks);
  if (values.role === 'build') return buildLanceDb(chunks);
  if (values.role === 'truth') {
    await exactTruth(chunks, scaleQueries(chunks, Number(values.queries), passages()));
    return;
  }
  if (values.role === 'measure') {
    process.stdout.write(`${JSON.stringify(await measure(values.engine, chunks))}\n`);
    return;
  }
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  passages();
  const stopServers = values.storage === 's3' ? await useS3Storage() : undefined;
  try {
    measureSizes();
  } finally {
    await stopServers?.();
  }
}

function measureSizes(): void {
  const rows: Measurement[] = [];
  const common = [
    ...['--queries', values.queries, '--nprobes', values.nprobes, '--refine', values.refine],
  ];
  for (const size of values.sizes.split(',').map(Number)) {
    if (!existsSync(buildRecord(size))) {
      log(`${size} chunks: building the LanceDB table`);
      child(['--role', 'build', '--chunks', String(size), ...common]);
    }
    log(`${size} chunks: exact ground truth`);
    child(['--role', 'truth', '--chunks', String(size), ...common]);
    for (const engine of values.engines.split(',')) {
      log(`${size} chunks: measuring ${engine}`);
      const measured = JSON.parse(
        child(['--role', 'measure', '--engine', engine, '--chunks', String(size), ...common]),
      ) as Measurement[];
      for (const row of measured) {
        log(
          `  ${row.engine} ${row.mode}: p50 ${row.p50.toFixed(1)} ms p95 ${row.p95.toFixed(1)} ms load ${row.loadSeconds.toFixed(1)} s RSS ${row.rssMiB.toFixed(0)} MiB recall ${row.recallAt10 ?? '-'} (load average ${row.loadAverage.toFixed(1)})`,
        );
      }
      rows.push(...measured);
      writeFileSync(
        path.join(RESULTS_DIRECTORY, `results-${Date.now()}.json`),
        JSON.stringify(rows, null, 2),
      );
    }
  }
  const builds = values.sizes.split(',').map((size) => {
    const file = buildRecord(Number(size));
    return existsSync(file)
      ? {
          size,
          ...(JSON.parse(readFileSync(file, 'utf8')) as { seconds: number; loadAverage: number }),
        }
      : undefined;
  });
  const lines = [
    `Machine: ${os.cpus().length} CPUs; ${values.queries} queries per mode; LanceDB IVF_RQ, nprobes ${values.nprobes}, ${values.refine} candidates re-ranked.`,
    '',
    '| Chunks | Engine | Mode | p50 (ms) | p95 (ms) | Load time (s) | RSS (MiB) | recall@10 vs exact | Load average |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.chunks.toLocaleString('en-US')} | ${row.engine} | ${row.mode} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.loadSeconds.toFixed(1)} | ${row.rssMiB.toFixed(0)} | ${row.recallAt10 === null ? '' : row.recallAt10.toFixed(3)} | ${row.loadAverage.toFixed(1)} |`,
    ),
    '',
    ...builds.flatMap((build) =>
      build
        ? [
            `LanceDB table build at ${Number(build.size).toLocaleString('en-US')} chunks: ${build.seconds.toFixed(0)} s (load average ${build.loadAverage.toFixed(1)}).`,
          ]
        : [],
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
