import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startPipeline } from '../../clients/temporal-client.js';
import { contentHash, type Document } from '../../domain/document.js';
import { COLLECTIONS } from '../../domain/names.js';
import type { RagIndexResult } from '../../domain/rag/rag-index.js';
import { createEmbeddingModel } from '../../integrations/embeddings/create-embedding-model.js';
import { HashingEmbeddingModel } from '../../integrations/embeddings/hashing-embedding-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { LanceDbSearchIndex } from '../../integrations/search/lancedb-search-index.js';
import { LocalSearchIndex } from '../../integrations/search/local-search-index.js';
import { queryEmbeddingsFor } from '../../integrations/search/create-search-index.js';
import {
  ragCollection,
  readServingState,
  type RagChunkRecord,
} from '../../integrations/search/rag-records.js';
import { useOfflineWorker, withOfflineWorker } from '../support/offline-worker-harness.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { lastJsonLine, runCli, testConfig, uniqueName } from '../support/test-environment.js';

/** Every payload of a history, decoded as UTF-8 text (payloads are JSON bytes). */
function payloadText(value: unknown, texts: string[] = []): string {
  if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) payloadText(item, texts);
  else if (value && typeof value === 'object')
    for (const item of Object.values(value)) payloadText(item, texts);
  return texts.join('\n');
}

function documentId(seed: number): string {
  return seed.toString(16).padStart(32, '0');
}

function rawDocument(seed: number, title: string, content: string, score: number | null): Document {
  return {
    id: documentId(seed),
    metadata: { id: documentId(seed), url: `https://notes.example/${seed}`, title, properties: {} },
    parent_metadata: null,
    content,
    content_quality_score: score,
    summary: null,
    child_urls: [],
    source: 'notion',
    contentHash: contentHash(content),
  };
}

const WAL = `# Write-Ahead Logging

## Why a log

Write-ahead logging guarantees durability: every change is written to the WAL and flushed before
the data pages themselves, so after a crash the server replays the log from the last checkpoint.

## Sizing

The setting max_wal_size bounds how large the WAL may grow between automatic checkpoints. A larger
value means fewer checkpoints but a longer crash recovery. The checkpoint_timeout setting forces a
checkpoint after a given time regardless of size.

\`\`\`sql
ALTER SYSTEM SET max_wal_size = '4GB';
SELECT pg_reload_conf();
\`\`\`
`;

const VACUUM = `# Vacuum

Routine vacuuming reclaims the storage occupied by dead tuples left behind by updates and deletes.
The autovacuum launcher starts workers for tables whose dead-tuple count crosses a threshold.

| Setting | Meaning |
|---|---|
| autovacuum_naptime | delay between runs |
| autovacuum_vacuum_threshold | minimum dead tuples |
`;

const SOURDOUGH = `# Sourdough notes

Feed the starter with equal weights of flour and water twelve hours before baking. A long cold
proof in the refrigerator develops flavour and makes the dough easier to score.`;

describe('ragIndex workflow and local search on the real servers', () => {
  const database = uniqueName('rag_test').replaceAll('-', '_');
  // The worker publishes LanceDB tables at activation only when that is the configured backend;
  // the in-memory index reads the same MongoDB records either way.
  const config = testConfig({ MONGODB_DATABASE: database, RAG_SEARCH_BACKEND: 'lancedb' });
  const taskQueue = uniqueName('rag');
  let mongo: MongoDatabase;
  let search: LocalSearchIndex;
  // The same assertions through the LanceDB tables the activation step publishes.
  let lance: LanceDbSearchIndex;
  const indexes = () => [search, lance] as const;

  const run = async (input: Record<string, unknown>, historyName?: string) => {
    const handle = await startPipeline(harness.client, 'rag', {
      input,
      taskQueue,
      trigger: 'test',
    });
    const result = (await handle.result()) as RagIndexResult;
    if (historyName) await recordHistoryForReplay(harness.client, handle.workflowId, historyName);
    return result;
  };

  const harness = useOfflineWorker({ config: () => config, taskQueue });
  before(async () => {
    mongo = await connectMongo(config.mongodb);
    search = new LocalSearchIndex({
      db: mongo.db,
      embeddings: queryEmbeddingsFor(undefined),
      refreshIntervalMs: 0,
    });
    lance = new LanceDbSearchIndex({
      db: mongo.db,
      location: config.rag.lancedb,
      embeddings: queryEmbeddingsFor(undefined),
      refreshIntervalMs: 0,
    });
    const raw = mongo.db.collection<Document>(COLLECTIONS.raw);
    const filler = Array.from({ length: 30 }, (_, index) =>
      rawDocument(
        100 + index,
        `Meeting ${index}`,
        `# Meeting ${index}\n\nNotes of weekly meeting number ${index} about project topic${index}.`,
        0.7,
      ),
    );
    await raw.insertMany([
      rawDocument(1, 'Write-Ahead Logging', WAL, 0.9),
      rawDocument(2, 'Vacuum', VACUUM, null),
      rawDocument(3, 'Worthless page', 'cookie banner accept all cookies', 0),
      rawDocument(4, 'Low quality', 'lorem ipsum dolor sit amet', 0.3),
      rawDocument(5, 'Sourdough', SOURDOUGH, 0.8),
      ...filler,
    ]);
  });
  after(async () => {
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    await rm(path.join(config.rag.lancedb.uri, database), { recursive: true, force: true });
  });

  it('indexes the documents that pass the quality filter, and search finds them', async () => {
    const result = await run({ embeddingProvider: 'hashing', chunkSize: 64 }, 'rag-index');
    assert.equal(result.documents.total, 35);
    assert.equal(result.documents.selected, 33, 'the 0.0 and the 0.3 documents are left out');
    assert.equal(result.documents.skippedByQuality, 2);
    assert.equal(result.documents.changed, 33);
    assert.deepEqual(result.documents.failed, []);
    assert.equal(result.upToDate, false);
    assert.equal(result.fullRebuild, true);
    assert.ok(result.chunks > 33, 'the long documents give several chunks');
    assert.equal(result.embedded, result.chunks);
    assert.equal(result.chunkCount, result.chunks);
    assert.equal(result.embedding.provider, 'hashing');

    const chunks = (await ragCollection(mongo.db)
      .find({ kind: 'chunk' })
      .toArray()) as RagChunkRecord[];
    assert.equal(chunks.length, result.chunks);
    assert.ok(chunks.every((chunk) => chunk.indexVersion === result.indexVersion));
    assert.ok(chunks.every((chunk) => chunk.embedding.length === 512));
    assert.ok(
      !chunks.some(
        (chunk) => chunk.documentId === documentId(3) || chunk.documentId === documentId(4),
      ),
    );
    const sizing = chunks.find((chunk) => chunk.text.includes('max_wal_size bounds'));
    assert.deepEqual(sizing?.headingPath, ['Write-Ahead Logging', 'Sizing']);
    assert.equal(sizing?.url, 'https://notes.example/1');
    assert.equal((await readServingState(mongo.db))?.indexVersion, result.indexVersion);
    // History holds ids and counts: no document text, chunk or vector went through Temporal.
    const runs = harness.client.workflow.list({ query: `WorkflowType = 'ragIndex'` });
    for await (const execution of runs) {
      if (execution.taskQueue !== taskQueue) continue;
      const history = payloadText(
        await harness.client.workflow.getHandle(execution.workflowId).fetchHistory(),
      );
      assert.ok(history.includes('hashing'), 'payloads were decoded');
      assert.ok(!history.includes('bounds how large the WAL may grow'), 'no chunk text');
      assert.ok(history.length < 100_000, `history is small (${history.length} bytes)`);
    }

    for (const index of indexes()) {
      for (const mode of ['vector', 'text', 'hybrid'] as const) {
        const hits = await index.search('how large can the WAL grow before a checkpoint', {
          k: 3,
          mode,
        });
        assert.equal(hits[0]?.documentId, documentId(1), `${index.backend} ${mode}: WAL first`);
        assert.equal(hits[0]?.url, 'https://notes.example/1');
        assert.equal(hits[0]?.title, 'Write-Ahead Logging');
        assert.deepEqual(hits[0]?.headingPath.slice(0, 1), ['Write-Ahead Logging']);
      }
      const vacuum = await index.search('dead tuples autovacuum', { k: 1 });
      assert.equal(vacuum[0]?.documentId, documentId(2), 'unscored documents are included');
      const filtered = await index.search('dead tuples autovacuum', {
        k: 5,
        filters: { documentIds: [documentId(5)] },
      });
      assert.ok(filtered.length > 0, `${index.backend}: the filter keeps document 5`);
      assert.ok(filtered.every((hit) => hit.documentId === documentId(5)));
      const underSizing = await index.search('checkpoint', {
        k: 5,
        mode: 'text',
        filters: { headingPath: ['write-ahead logging', 'sizing'] },
      });
      assert.ok(underSizing.length > 0, `${index.backend}: the heading filter keeps Sizing`);
      assert.ok(underSizing.every((hit) => hit.headingPath[1] === 'Sizing'));
    }
  });

  it('a second run with no changes embeds nothing', async () => {
    const before = await readServingState(mongo.db);
    const result = await run(
      { embeddingProvider: 'hashing', chunkSize: 64 },
      'rag-index-up-to-date',
    );
    assert.equal(result.upToDate, true);
    assert.equal(result.embedded, 0);
    assert.equal(result.documents.unchanged, 33);
    assert.equal(result.documents.changed, 0);
    assert.equal((await readServingState(mongo.db))?.indexVersion, before?.indexVersion);
  });

  it('re-embeds only a changed document, drops a deleted one, and search follows the new version', async () => {
    const raw = mongo.db.collection<Document>(COLLECTIONS.raw);
    const edited = `${VACUUM}\n\nVACUUM FULL rewrites the whole table into a new file and needs an exclusive lock.`;
    await raw.updateOne(
      { id: documentId(2) },
      { $set: { content: edited, contentHash: contentHash(edited) } },
    );
    await raw.updateOne({ id: documentId(5) }, { $set: { archived: true } });
    const previous = (await readServingState(mongo.db))?.indexVersion;

    const result = await run(
      { embeddingProvider: 'hashing', chunkSize: 64 },
      'rag-index-incremental',
    );
    assert.equal(result.upToDate, false);
    assert.equal(result.fullRebuild, false);
    assert.equal(result.documents.changed, 1);
    assert.equal(result.documents.removed, 1);
    assert.equal(result.documents.unchanged, 31);
    assert.ok(result.copiedRecords > 31, 'unchanged chunks are copied with their vectors');
    const vacuumChunks = await ragCollection(mongo.db).countDocuments({
      indexVersion: result.indexVersion,
      kind: 'chunk',
      documentId: documentId(2),
    });
    assert.equal(result.embedded + result.reusedEmbeddings, vacuumChunks);
    assert.ok(result.embedded >= 1 && result.embedded <= vacuumChunks);
    assert.notEqual(result.indexVersion, previous);
    assert.equal(
      await ragCollection(mongo.db).countDocuments({ indexVersion: previous }),
      0,
      'the old version is dropped after the switch',
    );

    for (const index of indexes()) {
      const full = await index.search('exclusive lock rewrites the table', { k: 1 });
      assert.equal(full[0]?.documentId, documentId(2), `${index.backend}: the edited note`);
      assert.match(full[0]?.text ?? '', /exclusive lock/);
      const bread = await index.search('sourdough starter flour', { k: 5, mode: 'text' });
      assert.ok(
        !bread.some((hit) => hit.documentId === documentId(5)),
        `${index.backend}: archived documents are gone`,
      );
    }
  });

  it('the CLI search prints {"results":[...]} with source URLs', async () => {
    const result = await runCli(['search', 'max_wal_size checkpoints', '--k', '2', '--json'], {
      env: { MONGODB_DATABASE: database },
    });
    assert.equal(result.code, 0, result.stderr);
    const output = lastJsonLine(result.stdout) as { results: Array<Record<string, unknown>> };
    assert.equal(output.results.length, 2);
    assert.deepEqual(Object.keys(output.results[0] ?? {}), [
      'chunkId',
      'documentId',
      'url',
      'title',
      'score',
      'text',
    ]);
    assert.equal(output.results[0]?.url, 'https://notes.example/1');
    const bad = await runCli(['search', 'x', '--mode', 'fuzzy'], {
      env: { MONGODB_DATABASE: database },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--mode must be one of vector, text, hybrid/);
  });

  it('parent retriever: indexes small children and returns their parents', async () => {
    const result = await run({ embeddingProvider: 'hashing', retriever: 'parent' });
    assert.equal(result.fullRebuild, true);
    const parents = await ragCollection(mongo.db).countDocuments({
      indexVersion: result.indexVersion,
      kind: 'parent',
    });
    assert.ok(parents >= 32);
    for (const index of indexes()) {
      const hits = await index.search('max_wal_size', { k: 3 });
      assert.equal(hits[0]?.documentId, documentId(1), `${index.backend}: the WAL note`);
      assert.ok(hits[0]?.parentId, 'the hit has a parent');
      assert.equal(hits[0]?.chunkId, hits[0]?.parentId, 'the parent is returned');
      assert.match(hits[0]?.text ?? '', /# Write-Ahead Logging[\s\S]*max_wal_size/);
      const children = await index.search('max_wal_size', { k: 3, expandParents: false });
      assert.notEqual(children[0]?.chunkId, children[0]?.parentId);
    }
  });

  it('fails clearly and without retries when the configured model is not available', async () => {
    // A worker whose models folder is empty: the local embedding model cannot load.
    const emptyModels = testConfig({
      MONGODB_DATABASE: database,
      MODELS_DIR: path.join(os.tmpdir(), uniqueName('no-models')),
    });
    await withOfflineWorker(
      () => emptyModels,
      async ({ client, taskQueue: queue }) => {
        const handle = await startPipeline(client, 'rag', { input: {}, taskQueue: queue });
        await assert.rejects(handle.result(), (error: unknown) => {
          assert.ok(error instanceof WorkflowFailedError);
          const cause = error.cause?.cause;
          assert.ok(cause instanceof ApplicationFailure, String(error.cause));
          assert.equal(cause.type, 'ValidationError');
          assert.equal(cause.nonRetryable, true);
          assert.match(
            cause.message,
            /No embedding model is available on this worker \(.*models pull/,
          );
          return true;
        });
      },
      { prefix: 'rag-no-model' },
    );
  });

  it('with the real local embedding model (the default): indexes, and search finds by meaning', async () => {
    const result = await run({});
    assert.equal(result.embedding.provider, 'local');
    assert.equal(result.embedding.dimensions, 384);
    assert.equal(result.fullRebuild, true, 'another model means a full rebuild');
    assert.ok(result.embedded > 0);
    const model = await createEmbeddingModel(config.models);
    try {
      const semantic = new LocalSearchIndex({
        db: mongo.db,
        embeddings: queryEmbeddingsFor(model),
        refreshIntervalMs: 0,
      });
      // No shared words with the WAL note beyond "log": vectors carry the meaning.
      const hits = await semantic.search('recovering a database after a power failure', {
        k: 3,
        mode: 'vector',
      });
      assert.ok(
        hits.some((hit) => hit.documentId === documentId(1)),
        JSON.stringify(hits.map((hit) => hit.title)),
      );
      const hybrid = await semantic.search('how large can the WAL grow before a checkpoint', {
        k: 1,
      });
      assert.equal(hybrid[0]?.documentId, documentId(1));
      // A model other than the index's is refused rather than compared across vector spaces.
      const mismatched = new LocalSearchIndex({
        db: mongo.db,
        embeddings: new HashingEmbeddingModel(384),
      });
      await assert.rejects(
        mismatched.search('wal'),
        /built with local\/.* but queries would be embedded with hashing/,
      );
    } finally {
      await (model as { dispose?: () => Promise<void> }).dispose?.();
    }
    const cli = await runCli(['search', 'crash recovery replays the log', '--k', '3', '--json'], {
      env: { MONGODB_DATABASE: database },
    });
    assert.equal(cli.code, 0, cli.stderr);
    const output = lastJsonLine(cli.stdout) as { results: Array<{ url: string }> };
    assert.ok(output.results.some((row) => row.url === 'https://notes.example/1'));
  });
});

describe('contextual retrieval with the real local chat model', () => {
  const database = uniqueName('rag_context').replaceAll('-', '_');
  const config = testConfig({ MONGODB_DATABASE: database });
  const taskQueue = uniqueName('rag-context');
  let mongo: MongoDatabase;

  const run = async (input: Record<string, unknown>) => {
    const handle = await startPipeline(harness.client, 'rag', {
      input,
      taskQueue,
      trigger: 'test',
    });
    return (await handle.result()) as RagIndexResult;
  };

  const harness = useOfflineWorker({ config: () => config, taskQueue });
  before(async () => {
    mongo = await connectMongo(config.mongodb);
    await mongo.db
      .collection<Document>(COLLECTIONS.raw)
      .insertMany([
        rawDocument(1, 'Write-Ahead Logging', WAL, 0.9),
        rawDocument(2, 'Vacuum', VACUUM, 0.9),
      ]);
  });
  after(async () => {
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('simple: one TL;DR per document, prepended to each chunk, and cached', async () => {
    const result = await run({
      embeddingProvider: 'hashing',
      contextualMode: 'simple',
      chunkSize: 64,
    });
    assert.equal(result.contextsGenerated, 2, 'one summary per document');
    assert.deepEqual(result.documents.failed, []);
    const chunks = (await ragCollection(mongo.db)
      .find({ kind: 'chunk' })
      .toArray()) as RagChunkRecord[];
    const wal = chunks.filter((chunk) => chunk.documentId === documentId(1));
    assert.ok(wal.length > 1);
    assert.ok((wal[0]?.context.length ?? 0) > 0, 'a non-empty context');
    assert.ok(
      wal.every((chunk) => chunk.context === wal[0]?.context),
      'the same TL;DR on each chunk',
    );
    assert.equal(await mongo.db.collection(COLLECTIONS.ragContextCache).countDocuments(), 2);
  });

  it('full: a context per chunk from the whole document, reused from the cache on a rebuild', async () => {
    const first = await run({
      embeddingProvider: 'hashing',
      contextualMode: 'full',
      chunkSize: 64,
    });
    assert.equal(first.contextsGenerated, first.chunks, 'one context per chunk');
    const chunks = (await ragCollection(mongo.db)
      .find({ kind: 'chunk' })
      .toArray()) as RagChunkRecord[];
    assert.ok(chunks.every((chunk) => chunk.context.trim().length > 0));
    assert.ok(new Set(chunks.map((chunk) => chunk.context)).size > 1, 'contexts differ per chunk');
    // Another embedding model rebuilds everything, but the chunks and so their contexts are the same.
    const second = await run({ contextualMode: 'full', chunkSize: 64 });
    assert.equal(second.fullRebuild, true);
    assert.equal(second.contextsGenerated, 0);
    assert.equal(second.contextsCached, first.chunks);
  });
});
