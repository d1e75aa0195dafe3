import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SecondBrainError } from '../../domain/errors.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

describe('S3 object storage against the real server', () => {
  let storage: ObjectStorage;
  const prefix = `${uniqueName('adapter')}/`;
  before(() => {
    storage = createObjectStorage(testConfig().s3);
  });
  after(() => storage.close());

  it('writes, reads, lists across pages and deletes objects', async () => {
    await storage.putJson(`${prefix}a.json`, { hello: 'wörld' });
    assert.deepEqual(await storage.getJson(`${prefix}a.json`), { hello: 'wörld' });
    for (let index = 0; index < 3; index++)
      await storage.putObject(`${prefix}list/${index}.txt`, `object ${index}`);
    const keys: string[] = [];
    for await (const key of storage.listKeys(`${prefix}list/`)) keys.push(key);
    assert.deepEqual(
      keys,
      [0, 1, 2].map((index) => `${prefix}list/${index}.txt`),
    );
    await storage.deleteObject(`${prefix}a.json`);
    assert.equal(await storage.getObject(`${prefix}a.json`), undefined);
  });

  it('stores empty and binary objects with their exact length', async () => {
    await storage.putObject(`${prefix}empty.txt`, '');
    assert.equal((await storage.getObject(`${prefix}empty.txt`))?.body.length, 0);
    const bytes = new Uint8Array([0, 255, 1, 254]);
    await storage.putObject(`${prefix}bytes.bin`, bytes, 'application/octet-stream');
    assert.deepEqual(
      [...((await storage.getObject(`${prefix}bytes.bin`))?.body ?? [])],
      [0, 255, 1, 254],
    );
  });

  it('creating an existing bucket again is a no-op', async () => {
    await storage.ensureBucket();
    await storage.ensureBucket();
  });

  it('maps bad credentials to a non-retryable auth error', async () => {
    const config = testConfig();
    const intruder = createObjectStorage({ ...config.s3, secretAccessKey: 'wrong-secret-key' });
    try {
      await assert.rejects(intruder.putObject(`${prefix}x`, 'x'), (error: unknown) => {
        assert.ok(error instanceof SecondBrainError, String(error));
        assert.equal(error.kind, 'auth');
        assert.equal(error.retryable, false);
        return true;
      });
    } finally {
      intruder.close();
    }
  });
});

describe('MongoDB wire protocol against the real server', () => {
  let mongo: MongoDatabase;
  before(async () => {
    mongo = await connectMongo(testConfig().mongodb);
  });
  after(() => mongo.close());

  it('upserts idempotently by id and counts with $group/$sum', async () => {
    const collection = mongo.db.collection<{ _id: string; kind: string; n: number }>(
      uniqueName('adapter'),
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      await collection.updateOne(
        { _id: 'doc-1' },
        { $set: { kind: 'a', n: attempt } },
        { upsert: true },
      );
    }
    await collection.updateOne({ _id: 'doc-2' }, { $set: { kind: 'a', n: 1 } }, { upsert: true });
    assert.equal(await collection.countDocuments(), 2);
    const groups = await collection
      .aggregate([{ $group: { _id: '$kind', count: { $sum: 1 } } }])
      .toArray();
    assert.deepEqual(groups, [{ _id: 'a', count: 2 }]);
    await collection.drop();
  });

  it('reports an unreachable server as a transient error', async () => {
    await assert.rejects(
      connectMongo(
        { uri: 'mongodb://127.0.0.1:1/', database: 'x' },
        { serverSelectionTimeoutMS: 300 },
      ),
      (error: unknown) => error instanceof SecondBrainError && error.kind === 'transient',
    );
  });
});
