// Horizontal workers: two real `second-brain worker offline` processes poll one task queue and
// share one ETL run over 120 local pages. Both must do part of the crawl (counted per worker
// from the workflow history: each activity task records the identity, pid@host, of the worker
// that ran it), then one is SIGKILLed mid-run; the other finishes it, and every page is stored
// exactly once.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';
import { readEtlState, writeEtlSource } from '../support/etl-run-state.js';
import { recordScenario } from '../support/reliability-figures.js';
import { testConfig, uniqueName } from '../support/test-environment.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const PAGES = 120;

/** Crawl activities started per worker identity (pid@host), read from the run's history. */
async function crawlBatchesPerWorker(handle: WorkflowHandle): Promise<Map<string, number>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const crawlScheduled = new Set(
    events
      .filter(
        (event) =>
          event.activityTaskScheduledEventAttributes?.activityType?.name === 'crawlEtlBatch',
      )
      .map((event) => String(event.eventId)),
  );
  const counts = new Map<string, number>();
  for (const event of events) {
    const started = event.activityTaskStartedEventAttributes;
    if (!started || !crawlScheduled.has(String(started.scheduledEventId))) continue;
    const identity = started.identity ?? 'unknown';
    counts.set(identity, (counts.get(identity) ?? 0) + 1);
  }
  return counts;
}

function batchesOf(counts: Map<string, number>, worker: WorkerProcess): number {
  const prefix = `${worker.child.pid}@`;
  return [...counts]
    .filter(([identity]) => identity.startsWith(prefix))
    .reduce((a, [, n]) => a + n, 0);
}

describe('two offline workers share one ETL run, and losing one loses nothing', () => {
  const name = uniqueName('etl-two').replace(/-/g, '_');
  const config = testConfig({ MONGODB_DATABASE: name });
  let site: TestSite;
  let storage: ObjectStorage;
  let client: Client;
  let mongo: MongoDatabase;
  const workers: WorkerProcess[] = [];

  before(async () => {
    site = await startTestSite();
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    mongo = await connectMongo(config.mongodb);
    client = await connectClient(config);
  });
  after(async () => {
    for (const worker of workers) await worker.kill();
    await client?.connection.close();
    await mongo?.close();
    storage?.close();
    await site?.close();
  });

  it(
    'splits the crawl between both workers, then completes on one',
    { timeout: 300_000 },
    async (t) => {
      const started = Date.now();
      const taskQueue = uniqueName('etl-two-workers');
      const environment = { ...process.env, MONGODB_DATABASE: name };
      workers.push(
        ...(await Promise.all([
          startWorkerProcess('offline', environment, { taskQueue, readyTimeoutMs: 120_000 }),
          startWorkerProcess('offline', environment, { taskQueue, readyTimeoutMs: 120_000 }),
        ])),
      );
      const [survivor, victim] = workers as [WorkerProcess, WorkerProcess];

      const urls = Array.from({ length: PAGES }, (_, index) => `${site.origin}/paced/${index}`);
      const { importRunId, documents } = await writeEtlSource(storage, name, urls);
      const handle = await startPipeline(client, 'etl', {
        input: {
          source: { kind: 'import', runId: importRunId },
          // Twelve batches of ten, two at a time: enough tasks for both workers' pollers.
          crawl: {
            allowedHosts: ['127.0.0.1'],
            perHostConcurrency: 3,
            batchSize: 10,
            parallelBatches: 2,
            timeoutSecs: 10,
          },
          scoring: { useLlm: false },
        },
        taskQueue,
        trigger: 'test',
      });

      // Run until both workers have crawled, with pages left to crawl.
      const raw = mongo.db.collection(COLLECTIONS.raw);
      const deadline = Date.now() + 150_000;
      let counts = new Map<string, number>();
      for (;;) {
        counts = await crawlBatchesPerWorker(handle);
        if (batchesOf(counts, survivor) > 0 && batchesOf(counts, victim) > 0) break;
        assert.ok(
          Date.now() < deadline,
          `not both workers crawled: ${JSON.stringify([...counts])}`,
        );
        await delay(200);
      }
      const storedAtKill = await raw.countDocuments({ source: 'crawl' });
      assert.ok(storedAtKill < PAGES, `the crawl finished before the kill (${storedAtKill})`);
      await victim.kill('SIGKILL');
      t.diagnostic(
        `SIGKILL of worker ${victim.child.pid} with ${storedAtKill} pages stored; crawl batches so far: ` +
          `${batchesOf(counts, survivor)} on the survivor, ${batchesOf(counts, victim)} on the killed worker`,
      );

      const result = (await handle.result()) as EtlResult;
      assert.equal(result.crawled, PAGES);
      assert.equal(result.failed, 0);
      const state = await readEtlState(mongo, storage, result.snapshotKey);
      assert.equal(
        state.raw.length,
        PAGES + documents.length,
        'every page and source document stored',
      );
      assert.equal(state.duplicateUrls, 0, 'no page stored twice');
      assert.equal(new Set(state.raw).size, state.raw.length);
      for (const url of urls) {
        assert.equal(await raw.countDocuments({ 'metadata.url': url }), 1, `${url} stored once`);
      }

      const final = await crawlBatchesPerWorker(handle);
      const survivorBatches = batchesOf(final, survivor);
      const victimBatches = batchesOf(final, victim);
      t.diagnostic(
        `crawl activity tasks per worker: survivor ${survivorBatches}, killed ${victimBatches} ` +
          `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      assert.ok(victimBatches >= 1 && survivorBatches >= 1);
      assert.equal(survivor.child.exitCode, null, 'the survivor is still serving');
      await recordScenario({
        scenario: 'One of two workers killed during ETL',
        fault: 'two offline workers on one task queue; SIGKILL of one once both had crawled',
        faultsInjected: 1,
        runsStarted: 1,
        runsCompleted: 1,
        documentsExpected: PAGES + documents.length,
        documentsLost: PAGES + documents.length - state.raw.length,
        documentsDuplicated: state.duplicateUrls,
        seconds: (Date.now() - started) / 1000,
      });
    },
  );
});
