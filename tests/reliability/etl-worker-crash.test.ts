// The offline worker SIGKILLed at three random points of an ETL run over 200 local pages and
// restarted each time: the final `raw` collection and S3 snapshot equal those of an
// uninterrupted run of the same input (same ids, same content hashes, nothing duplicated or
// missing). Both runs use real `second-brain worker offline` processes on the shared test servers,
// each with a database of its own; the uninterrupted run goes on while the other is crashed.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';
import {
  compareEtlStates,
  readEtlState,
  seededRandom,
  writeEtlSource,
} from '../support/etl-run-state.js';
import { recordScenario } from '../support/reliability-figures.js';
import { testConfig, uniqueName } from '../support/test-environment.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const PAGES = 200;

describe('ETL over 200 pages survives three SIGKILLs of its worker', () => {
  const name = uniqueName('etl-kill').replace('-', '_').replace('-', '_');
  const databases = { baseline: `${name}_baseline`, crashed: `${name}_crashed` };
  const config = testConfig();
  let site: TestSite;
  let storage: ObjectStorage;
  let client: Client;
  const mongo: Partial<Record<keyof typeof databases, MongoDatabase>> = {};
  const workers = new Set<WorkerProcess>();

  const startWorker = async (database: string, taskQueue: string) => {
    const worker = await startWorkerProcess(
      'offline',
      { ...process.env, MONGODB_DATABASE: database },
      { taskQueue, readyTimeoutMs: 120_000 },
    );
    workers.add(worker);
    return worker;
  };

  before(async () => {
    site = await startTestSite();
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    for (const run of ['baseline', 'crashed'] as const)
      mongo[run] = await connectMongo(testConfig({ MONGODB_DATABASE: databases[run] }).mongodb);
    client = await connectClient(config);
  });
  after(async () => {
    for (const worker of workers) await worker.kill();
    await client?.connection.close();
    for (const database of Object.values(mongo)) await database.close();
    storage?.close();
    await site?.close();
  });

  it(
    'ends with the same raw documents and snapshot as an uninterrupted run',
    { timeout: 360_000 },
    async (t) => {
      const started = Date.now();
      const seed = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const random = seededRandom(seed);
      // One kill point in each of three windows of crawled pages, so they are spread over the run.
      const killPoints = [0, 1, 2].map((window) => 20 + window * 55 + Math.floor(random() * 40));
      t.diagnostic(
        `seed ${seed} (RELIABILITY_SEED=${seed} repeats it); kill after ${killPoints.join(', ')} stored pages`,
      );

      const urls = Array.from({ length: PAGES }, (_, index) => `${site.origin}/paced/${index}`);
      const { importRunId } = await writeEtlSource(storage, name, urls);
      const input = {
        source: { kind: 'import', runId: importRunId },
        crawl: {
          allowedHosts: ['127.0.0.1'],
          perHostConcurrency: 3,
          batchSize: 50,
          parallelBatches: 2,
          timeoutSecs: 10,
        },
        scoring: { useLlm: false },
      };
      const queues = { baseline: uniqueName('etl-baseline'), crashed: uniqueName('etl-crashed') };
      const [, firstWorker] = await Promise.all([
        startWorker(databases.baseline, queues.baseline),
        startWorker(databases.crashed, queues.crashed),
      ]);
      let worker = firstWorker;
      const baseline = await startPipeline(client, 'etl', {
        input,
        taskQueue: queues.baseline,
        trigger: 'test',
      });
      const crashed = await startPipeline(client, 'etl', {
        input,
        taskQueue: queues.crashed,
        trigger: 'test',
      });

      const raw = mongo.crashed!.db.collection(COLLECTIONS.raw);
      for (const point of killPoints) {
        const deadline = Date.now() + 150_000;
        let stored = 0;
        while ((stored = await raw.countDocuments({ source: 'crawl' })) < point) {
          assert.ok(Date.now() < deadline, `stuck at ${stored} pages:\n${worker.output()}`);
          await delay(100);
        }
        assert.ok(stored < PAGES, `the kill after ${point} pages came after the crawl (${stored})`);
        assert.equal((await crashed.describe()).status.name, 'RUNNING');
        await worker.kill('SIGKILL');
        workers.delete(worker);
        t.diagnostic(
          `SIGKILL with ${stored} pages stored (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
        worker = await startWorker(databases.crashed, queues.crashed);
      }

      const [expectedResult, result] = (await Promise.all([
        baseline.result(),
        crashed.result(),
      ])) as [EtlResult, EtlResult];
      assert.equal(expectedResult.crawled, PAGES);
      assert.equal(result.crawled, PAGES);
      assert.equal(result.failed, 0);

      const expected = await readEtlState(mongo.baseline!, storage, expectedResult.snapshotKey);
      const actual = await readEtlState(mongo.crashed!, storage, result.snapshotKey);
      assert.equal(expected.raw.length, PAGES + 4, 'the uninterrupted run stored every page');
      const comparison = compareEtlStates(expected, actual);
      assert.deepEqual(comparison, { lost: [], extra: [], duplicated: 0 });
      assert.deepEqual(actual, expected);

      // The kills really interrupted crawl activities: some were retried (attempt 2 or more).
      const history = await crashed.fetchHistory();
      const attempts = (history.events ?? []).flatMap((event) =>
        event.activityTaskStartedEventAttributes
          ? [event.activityTaskStartedEventAttributes.attempt ?? 1]
          : [],
      );
      assert.ok(
        attempts.some((attempt) => attempt >= 2),
        `attempts: ${attempts.join(', ')}`,
      );
      const recrawled = urls.filter(
        (url) => (site.hits.get(new URL(url).pathname) ?? 0) > 2,
      ).length;
      t.diagnostic(
        `pages fetched again after a kill: ${recrawled}; activity attempts: ${attempts.join(', ')}`,
      );
      await recordScenario({
        scenario: 'Worker crash during ETL',
        fault: 'SIGKILL of the offline worker at 3 seeded random points, restarted each time',
        faultsInjected: killPoints.length,
        runsStarted: 1,
        runsCompleted: 1,
        documentsExpected: expected.raw.length,
        documentsLost: comparison.lost.length,
        documentsDuplicated: comparison.duplicated,
        seconds: (Date.now() - started) / 1000,
      });
    },
  );
});
