// Retrieval benchmark: quality (failure rate@20, MRR@10) of vector-only, BM25-only and hybrid
// search on the PostgreSQL 15 manual with known-item queries, plain and with document context,
// and search latency at 10k and 50k chunks. Not a test: run it by hand and copy the table.
//
//   node --import tsx bench/retrieval/run.ts [--queries 400] [--embedding hashing|configured] [--pages n]
//     [--engine in-memory|lancedb]   (lancedb: quality through the LanceDB tables the lancedb
//     backend serves, with its ANN vector index, against the exact in-memory ranking)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chunkDocument } from '../../domain/chunking/document-chunker.js';
import {
  HybridRanker,
  type RankableChunk,
  type RankingMode,
} from '../../domain/ranking/hybrid-ranker.js';
import { loadConfig } from '../../config/environment.js';
import { createEmbeddingModel } from '../../integrations/embeddings/create-embedding-model.js';
import type { EmbeddingModel } from '../../integrations/embeddings/embedding-model.js';
import { HashingEmbeddingModel } from '../../integrations/embeddings/hashing-embedding-model.js';
import {
  LanceDbVersionTable,
  connectLanceDb,
  headingKey,
  publishLanceDbTable,
} from '../../integrations/search/lancedb-search-index.js';
import { textTerms } from '../../domain/ranking/text-terms.js';
import {
  knownItemQueries,
  loadPostgresCorpus,
  withoutHeadings,
  type KnownItemQuery,
} from './postgres-corpus.js';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '400' },
    embedding: { type: 'string', default: 'hashing' },
    'chunk-size': { type: 'string', default: '640' },
    'latency-queries': { type: 'string', default: '200' },
    /** Every n-th page only (a smaller corpus for slow embedding models); 0 = all pages. */
    pages: { type: 'string', default: '0' },
    engine: { type: 'string', default: 'in-memory' },
  },
});

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function embeddingModel(name: string): Promise<EmbeddingModel> {
  if (name === 'hashing') return new HashingEmbeddingModel();
  // The configured provider (local all-MiniLM-L6-v2 by default; `second-brain models pull`).
  if (name === 'configured') return createEmbeddingModel(loadConfig().models);
  throw new Error(`Unknown --embedding ${name} (available: hashing, configured)`);
}

async function embedAll(model: EmbeddingModel, texts: string[]): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  const batch = Math.min(64, model.maxBatchSize);
  for (let start = 0; start < texts.length; start += batch) {
    vectors.push(...(await model.embed(texts.slice(start, start + batch))));
    if (start % (batch * 50) === 0) log(`  embedded ${start}/${texts.length}`);
  }
  return vectors;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

interface QualityRow {
  variant: string;
  mode: RankingMode;
  failureRateAt20: number;
  mrrAt10: number;
  /** Share of queries whose page is in the top 10. */
  recallAt10: number;
}

function evaluate(
  ranker: HybridRanker,
  chunks: RankableChunk[],
  queries: KnownItemQuery[],
  queryVectors: Float32Array[],
  mode: RankingMode,
): { failureRateAt20: number; mrrAt10: number; recallAt10: number } {
  let failures = 0;
  let reciprocalRanks = 0;
  let top10 = 0;
  queries.forEach((query, index) => {
    const hits = ranker.rank({ text: query.query, vector: queryVectors[index] }, { k: 20, mode });
    const position = hits.findIndex((hit) => chunks[hit.index]?.documentId === query.documentId);
    if (position === -1) failures++;
    if (position !== -1 && position < 10) reciprocalRanks += 1 / (position + 1);
    if (position !== -1 && position < 10) top10++;
  });
  return {
    failureRateAt20: failures / queries.length,
    mrrAt10: reciprocalRanks / queries.length,
    recallAt10: top10 / queries.length,
  };
}

/** The same evaluation through a LanceDB table of the chunks (ids are corpus positions). */
async function evaluateLanceDb(
  chunks: RankableChunk[],
  queries: KnownItemQuery[],
  queryVectors: Float32Array[],
  dimensions: number,
  name: string,
): Promise<Array<Omit<QualityRow, 'variant'>>> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'retrieval-lancedb-'));
  try {
    const connection = await connectLanceDb({ uri: directory });
    await publishLanceDbTable(
      connection,
      name,
      dimensions,
      [
        chunks.map((chunk, index) => ({
          chunkId: String(index),
          documentId: chunk.documentId,
          url: chunk.url,
          title: '',
          text: chunk.indexedText,
          context: '',
          headingPath: '[]',
          headingKey: headingKey([]),
          parentId: '',
          indexedText: textTerms(chunk.indexedText).join(' '),
          vector: chunk.vector,
        })),
      ],
      undefined,
      // The vector index at any size (the adapter skips it below 10k rows, where a flat scan is
      // exact): this measures what IVF_RQ with its refine step loses against exact ranking.
      { vectorIndexMinRows: 0 },
    );
    const table = new LanceDbVersionTable(await connection.openTable(`rag_${name}`));
    const rows: Array<Omit<QualityRow, 'variant'>> = [];
    for (const mode of ['vector', 'text', 'hybrid'] as const) {
      let failures = 0;
      let reciprocalRanks = 0;
      let top10 = 0;
      for (const [index, query] of queries.entries()) {
        const vector = queryVectors[index] as Float32Array;
        const hits =
          mode === 'vector'
            ? await table.vector(vector, 20)
            : mode === 'text'
              ? await table.text(query.query, 20)
              : (await table.hybrid(query.query, vector, 20)).map(({ hit }) => hit);
        const position = hits.findIndex((hit) => hit.documentId === query.documentId);
        if (position === -1) failures++;
        if (position !== -1 && position < 10) reciprocalRanks += 1 / (position + 1);
        if (position !== -1 && position < 10) top10++;
      }
      rows.push({
        mode,
        failureRateAt20: failures / queries.length,
        mrrAt10: reciprocalRanks / queries.length,
        recallAt10: top10 / queries.length,
      });
    }
    return rows;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const model = await embeddingModel(values.embedding);
  const chunkSize = Number(values['chunk-size']);
  log('Loading the PostgreSQL 15 manual…');
  const allPages = loadPostgresCorpus();
  const wanted = Number(values.pages);
  const stride = wanted > 0 ? Math.max(1, Math.floor(allPages.length / wanted)) : 1;
  const pages = allPages
    .filter((_, index) => index % stride === 0)
    .slice(0, wanted > 0 ? wanted : undefined);
  const queries = knownItemQueries(pages, Number(values.queries));
  log(`${pages.length} pages, ${queries.length} known-item queries`);

  const plain: RankableChunk[] = [];
  const titles: string[] = [];
  for (const page of pages) {
    for (const chunk of chunkDocument(page.id, page.markdown, { chunkSize }).chunks) {
      const text = withoutHeadings(chunk.text);
      if (text === '') continue;
      plain.push({
        documentId: page.id,
        url: page.file,
        headingPath: [],
        indexedText: text,
        vector: new Float32Array(0),
      });
      titles.push(page.title);
    }
  }
  log(
    `${plain.length} chunks of at most ${chunkSize} tokens; embedding with ${model.provider}/${model.modelId}`,
  );
  const plainVectors = await embedAll(
    model,
    plain.map((chunk) => chunk.indexedText),
  );
  plain.forEach((chunk, index) => (chunk.vector = plainVectors[index] as Float32Array));
  // Document context without an LLM: the page title in front of each chunk (the "simple" mode's
  // TL;DR replaced by the title, which is not the query: queries are subsection headings).
  const contextual: RankableChunk[] = plain.map((chunk, index) => ({
    ...chunk,
    indexedText: `${titles[index]}\n\n${chunk.indexedText}`,
  }));
  const contextualVectors = await embedAll(
    model,
    contextual.map((chunk) => chunk.indexedText),
  );
  contextual.forEach((chunk, index) => (chunk.vector = contextualVectors[index] as Float32Array));

  const queryVectors = await embedAll(
    model,
    queries.map((query) => query.query),
  );
  const quality: QualityRow[] = [];
  for (const [variant, chunks] of [
    ['plain chunks', plain],
    ['chunks + page title', contextual],
  ] as const) {
    const ranker = new HybridRanker(chunks, model.dimensions);
    for (const mode of ['vector', 'text', 'hybrid'] as const) {
      const row = { variant, mode, ...evaluate(ranker, chunks, queries, queryVectors, mode) };
      quality.push(row);
      log(
        `${variant} ${mode}: failure@20 ${row.failureRateAt20.toFixed(3)} MRR@10 ${row.mrrAt10.toFixed(3)}`,
      );
    }
    if (values.engine === 'lancedb') {
      const name = variant === 'plain chunks' ? 'plain' : 'title';
      for (const row of await evaluateLanceDb(
        chunks,
        queries,
        queryVectors,
        model.dimensions,
        name,
      )) {
        quality.push({ variant: `${variant} (LanceDB)`, ...row });
        log(
          `${variant} LanceDB ${row.mode}: failure@20 ${row.failureRateAt20.toFixed(3)} MRR@10 ${row.mrrAt10.toFixed(3)}`,
        );
      }
    }
  }
  if (values.engine === 'lancedb') {
    // Quality only: latency at scale is bench/search-scale's job.
    const lines = [
      `Corpus: ${pages.length} pages, ${plain.length} chunks (${chunkSize} tokens); ${queries.length} known-item queries; embedding ${model.provider}/${model.modelId}; load average ${os.loadavg()[0]?.toFixed(1)}.`,
      '',
      '| Chunks | Mode | Failure rate@20 | MRR@10 | recall@10 |',
      '| --- | --- | --- | --- | --- |',
      ...quality.map(
        (row) =>
          `| ${row.variant} | ${row.mode} | ${row.failureRateAt20.toFixed(3)} | ${row.mrrAt10.toFixed(3)} | ${row.recallAt10.toFixed(3)} |`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }

  // Latency at fixed sizes: the corpus repeated (vectors jittered so rows differ) up to n chunks.
  const latencyQueries = queries.slice(0, Number(values['latency-queries']));
  const embedTimes: number[] = [];
  for (const query of latencyQueries) {
    const started = performance.now();
    await model.embed([query.query]);
    embedTimes.push(performance.now() - started);
  }
  embedTimes.sort((a, b) => a - b);
  const latency: Array<{
    chunks: number;
    mode: RankingMode;
    p50: number;
    p95: number;
    cpuP50: number;
    cpuP95: number;
    buildSeconds: number;
  }> = [];
  for (const size of [10_000, 50_000]) {
    const scaled: RankableChunk[] = [];
    for (let index = 0; index < size; index++) {
      const source = plain[index % plain.length] as RankableChunk;
      const vector = Float32Array.from(source.vector, (value, position) =>
        index < plain.length ? value : value + (((index * 31 + position) % 7) - 3) * 1e-3,
      );
      scaled.push({ ...source, vector });
    }
    const building = performance.now();
    const ranker = new HybridRanker(scaled, model.dimensions);
    const buildSeconds = (performance.now() - building) / 1000;
    for (const mode of ['vector', 'text', 'hybrid'] as const) {
      const times: number[] = [];
      // CPU time too: on a shared, loaded machine wall time includes waiting for a core.
      const cpuTimes: number[] = [];
      latencyQueries.forEach((query, index) => {
        const cpu = process.cpuUsage();
        const started = performance.now();
        ranker.rank({ text: query.query, vector: queryVectors[index] }, { k: 10, mode });
        times.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        cpuTimes.push((used.user + used.system) / 1000);
      });
      times.sort((a, b) => a - b);
      cpuTimes.sort((a, b) => a - b);
      latency.push({
        chunks: size,
        mode,
        p50: percentile(times, 0.5),
        p95: percentile(times, 0.95),
        cpuP50: percentile(cpuTimes, 0.5),
        cpuP95: percentile(cpuTimes, 0.95),
        buildSeconds,
      });
      log(
        `${size} chunks ${mode}: p50 ${percentile(times, 0.5).toFixed(2)} ms p95 ${percentile(times, 0.95).toFixed(2)} ms`,
      );
    }
  }

  const vectorFailure =
    quality.find((row) => row.variant === 'plain chunks' && row.mode === 'vector')
      ?.failureRateAt20 ?? 1;
  const lines = [
    `Corpus: ${pages.length} pages of the PostgreSQL 15 manual, ${plain.length} chunks (${chunkSize} tokens); ${queries.length} known-item queries; embedding ${model.provider}/${model.modelId}.`,
    '',
    '| Chunks | Mode | Failure rate@20 | vs vector-only | MRR@10 |',
    '| --- | --- | --- | --- | --- |',
    ...quality.map(
      (row) =>
        `| ${row.variant} | ${row.mode} | ${row.failureRateAt20.toFixed(3)} | ${(row.failureRateAt20 / vectorFailure).toFixed(2)}x | ${row.mrrAt10.toFixed(3)} |`,
    ),
    '',
    `Query embedding (${model.modelId}): p50 ${percentile(embedTimes, 0.5).toFixed(2)} ms, p95 ${percentile(embedTimes, 0.95).toFixed(2)} ms.`,
    '',
    `Machine: ${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(1)} at the end of the run.`,
    '',
    '| Chunks | Mode | p50 (ms) | p95 (ms) | CPU p50 (ms) | CPU p95 (ms) | Index build (s) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...latency.map(
      (row) =>
        `| ${row.chunks.toLocaleString('en-US')} | ${row.mode} | ${row.p50.toFixed(2)} | ${row.p95.toFixed(2)} | ${row.cpuP50.toFixed(2)} | ${row.cpuP95.toFixed(2)} | ${row.buildSeconds.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    `bench/results/retrieval-${model.provider}-${Date.now()}.json`,
    JSON.stringify(
      {
        pages: pages.length,
        chunks: plain.length,
        queries: queries.length,
        quality,
        latency,
        embedTimes,
      },
      null,
      2,
    ),
  );
}

await main();
