// Outages of the servers themselves during an ETL run, on a private set of servers so other
// tests are unaffected: MongoDB stopped for 10 s, and the Temporal dev server restarted on the
// same SQLite file. Each run must end in the same state as an uninterrupted run of the same
// input (same raw ids and content hashes, same snapshot, nothing duplicated). Workers are real
// `second-brain worker offline` processes, one per database.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { loadConfig } from '../../config/environment.js';
import type { EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import {
  compareEtlStates,
  readEtlState,
  writeEtlSource,
  type EtlState,
} from '../support/etl-run-state.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';
import { outage, startServices, stopService } from '../support/fault-injection.js';
import { recordScenario } from '../support/reliability-figures.js';
import { repositoryRoot } from '../support/test-environment.js';
import {
  startTestInfrastructure,
  type TestInfrastructure,
} from '../support/test-infrastructure.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

// One page at a time (perHostConcurrency 1) for about 10 s per run: stopping FerretDB waits
// for its open connections for up to 5 s, during which a shorter run (two batches at a time,
// the default) could finish before the outage begins.
const PAGES = 80;
const RUNS = ['baseline', 'mongodb', 'temporal'] as const;
type RunName = (typeof RUNS)[number];

describe('infrastructure faults during an ETL run', () => {
  let infrastructure: TestInfrastructure;
  let site: TestSite;
  let storage: ObjectStorage;
  let input: Record<string, unknown>;
  let expected: EtlState;
  const workers = new Map<RunName, WorkerProcess>();
  const mongo = new Map<RunName, MongoDatabase>();
  const environment = (run: RunName): NodeJS.ProcessEnv => ({
    ...infrastructure.environment,
    MONGODB_DATABASE: `faults_${run}`,
    // The workflow code does not depend on the servers: reuse the runner's bundles.
    SECOND_BRAIN_WORKFLOW_BUNDLES: process.env.SECOND_BRAIN_WORKFLOW_BUNDLES,
  });
  const taskQueue = (run: RunName) => `etl-faults-${run}`;

  /** Starts the run's ETL and waits until it has stored `pages` crawled pages. */
  async function startEtl(run: RunName, pages: number): Promise<WorkflowHandle> {
    const client = await connectClient(infrastructure.config);
    try {
      const handle = await startPipeline(client, 'etl', {
        input,
        taskQueue: taskQueue(run),
        trigger: 'test',
      });
      const raw = mongo.get(run)!.db.collection(COLLECTIONS.raw);
      const deadline = Date.now() + 60_000;
      while ((await raw.countDocuments({ source: 'crawl' })) < pages) {
        assert.ok(Date.now() < deadline, `no progress:\n${workers.get(run)?.output()}`);
        await delay(100);
      }
      return handle;
    } finally {
      await client.connection.close();
    }
  }

  async function finish(run: RunName, workflowId: string) {
    const client = await connectClient(infrastructure.config);
    try {
      const handle = client.workflow.getHandle(workflowId);
      const result = (await handle.result()) as EtlResult;
      const history = await handle.fetchHistory();
      const retried = (history.events ?? []).some(
        (event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) >= 2,
      );
      return {
        result,
        retried,
        state: await readEtlState(mongo.get(run)!, storage, result.snapshotKey),
      };
    } finally {
      await client.connection.close();
    }
  }

  before(async () => {
    infrastructure = await startTestInfrastructure({
      baseEnvironment: process.env,
      repositoryRoot,
      progress: () => undefined,
    });
    site = await startTestSite();
    storage = createObjectStorage(infrastructure.config.s3);
    await storage.ensureBucket();
    const urls = Array.from({ length: PAGES }, (_, index) => `${site.origin}/paced/${index}`);
    const { importRunId } = await writeEtlSource(storage, 'faults', urls, 30);
    input = {
      source: { kind: 'import', runId: importRunId },
      crawl: { allowedHosts: ['127.0.0.1'], perHostConcurrency: 1, batchSize: 10 },
      scoring: { useLlm: false },
    };
    for (const run of RUNS)
      mongo.set(run, await connectMongo(loadConfig(environment(run), repositoryRoot).mongodb));
    await Promise.all(
      RUNS.map(async (run) =>
        workers.set(
          run,
          await startWorkerProcess('offline', environment(run), {
            taskQueue: taskQueue(run),
            readyTimeoutMs: 120_000,
          }),
        ),
      ),
    );
    // The uninterrupted run every faulty one is compared with.
    const baseline = await startEtl('baseline', 0);
    const { result, state } = await finish('baseline', baseline.workflowId);
    assert.equal(result.crawled, PAGES);
    expected = state;
  });
  after(async () => {
    for (const worker of workers.values()) await worker.kill();
    for (const database of mongo.values()) await database.close();
    storage?.close();
    await site?.close();
    await infrastructure?.stop();
  });

  it('MongoDB stopped for 10 s mid-run: activities retry with backoff and the run ends in the same state', async () => {
    const started = Date.now();
    const handle = await startEtl('mongodb', 10);
    await stopService(infrastructure, 'mongodb');
    await delay(10_000);
    const client = await connectClient(infrastructure.config);
    try {
      const during = await client.workflow.getHandle(handle.workflowId).describe();
      assert.equal(during.status.name, 'RUNNING', 'the run waits out the outage');
    } finally {
      await client.connection.close();
    }
    await startServices(infrastructure);
    const { result, retried, state } = await finish('mongodb', handle.workflowId);
    assert.equal(result.crawled, PAGES);
    assert.equal(result.failed, 0);
    assert.ok(retried, 'an activity was retried after failing on the stopped database');
    const comparison = compareEtlStates(expected, state);
    assert.deepEqual(comparison, { lost: [], extra: [], duplicated: 0 });
    await recordScenario({
      scenario: 'Database outage during ETL',
      fault: 'MongoDB-wire server (FerretDB) stopped for 10 s mid-crawl',
      faultsInjected: 1,
      runsStarted: 1,
      runsCompleted: 1,
      documentsExpected: expected.raw.length,
      documentsLost: comparison.lost.length,
      documentsDuplicated: comparison.duplicated,
      seconds: (Date.now() - started) / 1000,
    });
  });

  it('a Temporal server restart on the same SQLite file mid-run: the run completes in the same state', async () => {
    const started = Date.now();
    const handle = await startEtl('temporal', 10);
    await outage(infrastructure, 'temporal', 2_000);
    const { result, state } = await finish('temporal', handle.workflowId);
    assert.equal(result.crawled, PAGES);
    assert.equal(result.failed, 0);
    const comparison = compareEtlStates(expected, state);
    assert.deepEqual(comparison, { lost: [], extra: [], duplicated: 0 });
    await recordScenario({
      scenario: 'Temporal restart during ETL',
      fault: 'Temporal dev server stopped and restarted on the same SQLite file mid-crawl',
      faultsInjected: 1,
      runsStarted: 1,
      runsCompleted: 1,
      documentsExpected: expected.raw.length,
      documentsLost: comparison.lost.length,
      documentsDuplicated: comparison.duplicated,
      seconds: (Date.now() - started) / 1000,
    });
  });
});
