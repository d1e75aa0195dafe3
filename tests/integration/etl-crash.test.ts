import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { RawDocument } from '../../integrations/mongo/stores/raw-documents.js';
import { documentIdForUrl } from '../../domain/document.js';
import type { EtlProgress, EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import { documentKey, runManifestKey } from '../../domain/storage-layout.js';
import { canonicalizeUrl } from '../../domain/url-canonicalization.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';
import { testConfig, uniqueName } from '../support/test-environment.js';
import { startWorkerProcess } from '../support/worker-process.js';

async function startEtlWorker(taskQueue: string): Promise<ChildProcess> {
  const worker = await startWorkerProcess('offline', process.env, {
    taskQueue,
    crawlRetryBackoffMs: 100,
    readyTimeoutMs: 180_000,
  });
  return worker.child;
}

describe('etl survives a SIGKILLed worker', () => {
  const config = testConfig();
  let client: Client;
  let storage: ObjectStorage;
  let mongo: MongoDatabase;
  let site: TestSite;
  const workers: ChildProcess[] = [];

  before(async () => {
    site = await startTestSite();
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    mongo = await connectMongo(config.mongodb);
    client = await connectClient(config);
  });
  after(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await client.connection.close();
    await mongo.close();
    storage.close();
    await site.close();
  });

  it('completes with every page stored once after the worker is killed mid-crawl', async () => {
    const taskQueue = uniqueName('etl-crash');
    const urls = Array.from({ length: 30 }, (_, index) => `${site.origin}/slowish/${index}`);
    const id = randomBytes(16).toString('hex');
    await storage.putJson(documentKey(id), {
      id,
      metadata: { id, url: `https://www.notion.so/Crash-${id}`, title: 'Crash', properties: {} },
      content: 'Links to slow pages.',
      child_urls: urls,
      source: 'notion',
    });
    const importRunId = uniqueName('import-crash');
    await storage.putJson(runManifestKey('import', importRunId), { documentIds: [id] });

    workers.push(await startEtlWorker(taskQueue));
    const handle = await startPipeline(client, 'etl', {
      input: {
        source: { kind: 'import', runId: importRunId },
        crawl: { allowedHosts: ['127.0.0.1'], perHostConcurrency: 2, batchSize: 15 },
        scoring: { useLlm: false },
      },
      taskQueue,
      trigger: 'test',
    });
    // Kill the worker once some pages are stored but the crawl is not finished.
    for (;;) {
      const progress = await handle.query<EtlProgress>('progress').catch(() => undefined);
      if (progress && progress.crawl.done >= 4) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const progressAtKill = await handle.query<EtlProgress>('progress');
    assert.ok(progressAtKill.crawl.pending > 0, 'killed mid-crawl');
    workers[0]!.kill('SIGKILL');
    workers.push(await startEtlWorker(taskQueue));

    const result = (await handle.result()) as EtlResult;
    assert.equal(result.uniqueLinks, 30);
    assert.equal(result.crawled, 30);
    assert.equal(result.failed, 0);
    const ids = urls.map((url) => documentIdForUrl(canonicalizeUrl(url)!)).sort();
    const snapshot = (await storage.getJson(result.snapshotKey)) as {
      documents: Array<{ id: string; source: string }>;
    };
    assert.deepEqual(
      snapshot.documents
        .filter((document) => document.source === 'crawl')
        .map((document) => document.id)
        .sort(),
      ids,
    );
    const stored = await mongo.db
      .collection<RawDocument>(COLLECTIONS.raw)
      .find({ _id: { $in: ids } })
      .toArray();
    assert.equal(stored.length, 30, 'none lost, none duplicated');
    assert.equal(new Set(stored.map((document) => document.metadata.url)).size, 30);
    for (const document of stored) assert.ok(document.content.length > 0);
  });
});
