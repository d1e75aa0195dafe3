// The rag index's LanceDB tables kept on S3 (the suite's versitygw server): the offline worker
// publishes each version's table under `s3://bucket/prefix`, two agent-side readers (as two agent
// workers would) answer from the same objects, and a new version is switched in for both while
// a reader still on the old version can finish its queries until the switch after that.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startPipeline } from '../../clients/temporal-client.js';
import { contentHash, type Document } from '../../domain/document.js';
import { COLLECTIONS } from '../../domain/names.js';
import type { RagIndexResult } from '../../domain/rag/rag-index.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { queryEmbeddingsFor } from '../../integrations/search/create-search-index.js';
import {
  LanceDbSearchIndex,
  connectLanceDb,
  databaseLocation,
  lanceDbTableName,
} from '../../integrations/search/lancedb-search-index.js';
import { readServingState } from '../../integrations/search/rag-records.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

function note(seed: number, title: string, content: string): Document {
  const id = seed.toString(16).padStart(32, '0');
  return {
    id,
    metadata: { id, url: `https://notes.example/${seed}`, title, properties: {} },
    parent_metadata: null,
    content,
    content_quality_score: 0.9,
    summary: null,
    child_urls: [],
    source: 'notion',
    contentHash: contentHash(content),
  };
}

const NOTES = [
  note(
    1,
    'Checkpoints',
    '# Checkpoints\n\nThe setting max_wal_size bounds how large the WAL may grow between automatic checkpoints.',
  ),
  note(
    2,
    'Vacuum',
    '# Vacuum\n\nRoutine vacuuming reclaims the storage occupied by dead tuples left by updates.',
  ),
  note(
    3,
    'Sourdough',
    '# Sourdough\n\nFeed the starter with equal weights of flour and water before baking bread.',
  ),
];

describe('LanceDB tables on S3, shared by two agent workers', () => {
  const database = uniqueName('lance_s3').replaceAll('-', '_');
  const prefix = uniqueName('lancedb');
  const base = testConfig();
  const config = testConfig({
    MONGODB_DATABASE: database,
    RAG_SEARCH_BACKEND: 'lancedb',
    RAG_LANCEDB_URI: `s3://${base.s3.bucket}/${prefix}`,
  });
  const taskQueue = uniqueName('rag-s3');
  const harness = useOfflineWorker({ config: () => config, taskQueue });
  const s3 = new S3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: config.s3.accessKeyId,
      secretAccessKey: config.s3.secretAccessKey,
    },
    maxAttempts: 1,
  });
  let mongo: MongoDatabase;
  let readers: LanceDbSearchIndex[];

  const run = async () => {
    const handle = await startPipeline(harness.client, 'rag', {
      input: { embeddingProvider: 'hashing', chunkSize: 64 },
      taskQueue,
      trigger: 'test',
    });
    return (await handle.result()) as RagIndexResult;
  };
  const reader = (refreshIntervalMs: number) =>
    new LanceDbSearchIndex({
      db: mongo.db,
      location: config.rag.lancedb,
      embeddings: queryEmbeddingsFor(undefined),
      refreshIntervalMs,
    });
  const objectKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: config.s3.bucket,
          Prefix: `${prefix}/`,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key as string));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  };
  const tableNames = async () =>
    (await connectLanceDb(databaseLocation(config.rag.lancedb, mongo.db))).tableNames();

  before(async () => {
    mongo = await connectMongo(config.mongodb);
    await mongo.db.collection<Document>(COLLECTIONS.raw).insertMany(NOTES);
    readers = [reader(0), reader(0)];
  });
  after(async () => {
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    const keys = await objectKeys().catch(() => []);
    for (let start = 0; start < keys.length; start += 1000) {
      await s3.send(
        new DeleteObjectsCommand({
          Bucket: config.s3.bucket,
          Delete: { Objects: keys.slice(start, start + 1000).map((Key) => ({ Key })) },
        }),
      );
    }
    s3.destroy();
  });

  it('publishes the version table to S3, and both readers answer from it', async () => {
    assert.ok(config.rag.lancedb.uri.startsWith('s3://'));
    const result = await run();
    assert.equal(result.documents.selected, 3);
    const keys = await objectKeys();
    const table = `${prefix}/${database}/${lanceDbTableName(result.indexVersion)}.lance/`;
    assert.ok(
      keys.some((key) => key.startsWith(`${table}data/`)),
      `the table's data files are objects under ${table} (found ${keys.length} objects)`,
    );
    assert.ok(
      keys.some((key) => key.startsWith(`${table}_indices/`)),
      'its full-text index too',
    );
    for (const [number, index] of readers.entries()) {
      assert.equal(await index.indexVersion(), result.indexVersion);
      for (const mode of ['vector', 'text', 'hybrid'] as const) {
        const hits = await index.search('how large may the WAL grow between checkpoints', {
          k: 2,
          mode,
        });
        assert.equal(hits[0]?.title, 'Checkpoints', `reader ${number + 1}, ${mode}`);
        assert.equal(hits[0]?.url, 'https://notes.example/1');
      }
    }
  });

  it('switches both readers to a new version; the replaced table outlives one switch', async () => {
    const first = (await readServingState(mongo.db))?.indexVersion as string;
    // A worker that re-reads the pointer rarely, opened on the first version.
    const slow = reader(3_600_000);
    assert.equal(await slow.indexVersion(), first);
    const raw = mongo.db.collection<Document>(COLLECTIONS.raw);
    const edited =
      '# Vacuum\n\nVACUUM FULL rewrites the whole table into a new file under an exclusive lock.';
    await raw.updateOne(
      { id: NOTES[1]?.id },
      { $set: { content: edited, contentHash: contentHash(edited) } },
    );

    const second = await run();
    assert.notEqual(second.indexVersion, first);
    assert.deepEqual(
      (await tableNames()).sort(),
      [lanceDbTableName(first), lanceDbTableName(second.indexVersion)].sort(),
      'the replaced version is kept for readers still on it',
    );
    for (const index of readers) {
      assert.equal(await index.indexVersion(), second.indexVersion);
      const hits = await index.search('rewrites the whole table exclusive lock', { k: 1 });
      assert.equal(hits[0]?.title, 'Vacuum', 'the edit is searchable on every reader');
    }
    // Version 1's text of the note, which version 2 no longer has.
    const stale = await slow.search('dead tuples left by updates', { k: 1, mode: 'text' });
    assert.match(stale[0]?.text ?? '', /dead tuples/, 'the slow reader answers from version 1');
    const current = await readers[0]?.search('dead tuples left by updates', { k: 3, mode: 'text' });
    assert.ok(!current?.some((hit) => hit.text.includes('dead tuples')), 'version 2 lost it');

    const edited2 = '# Sourdough\n\nA long cold proof in the refrigerator develops flavour.';
    await raw.updateOne(
      { id: NOTES[2]?.id },
      { $set: { content: edited2, contentHash: contentHash(edited2) } },
    );
    const third = await run();
    assert.deepEqual(
      (await tableNames()).sort(),
      [lanceDbTableName(second.indexVersion), lanceDbTableName(third.indexVersion)].sort(),
      'the first version is dropped at the switch after next',
    );
    const gone = `${prefix}/${database}/${lanceDbTableName(first)}.lance/`;
    assert.ok(
      !(await objectKeys()).some((key) => key.startsWith(gone)),
      'its objects are deleted from S3',
    );
    slow.invalidate();
    assert.equal(await slow.indexVersion(), third.indexVersion);
    const fresh = await slow.search('cold proof refrigerator flavour', { k: 1 });
    assert.equal(fresh[0]?.title, 'Sourdough');
  });
});
