// A worker killed (SIGKILL) in the middle of distillation: the activity is retried on a new
// worker after its heartbeat timeout, resumes, and pays for no answer twice. Private servers,
// and the worker is a real `second-brain worker offline` process with the real local model.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { GenerateDatasetResult } from '../../domain/dataset-version.js';
import { COLLECTIONS } from '../../domain/names.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { StoredSample } from '../../integrations/mongo/stores/dataset-registry.js';
import {
  insertRawDocuments,
  loadSampleDocuments,
  sectionDocuments,
} from '../support/dataset-fixtures.js';
import { repositoryRoot } from '../support/test-environment.js';
import {
  startTestInfrastructure,
  type TestInfrastructure,
} from '../support/test-infrastructure.js';
import { recordScenario } from '../support/reliability-figures.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

describe('dataset distillation survives a killed worker', () => {
  let infrastructure: TestInfrastructure;
  let mongo: MongoDatabase;
  let worker: WorkerProcess | undefined;

  before(async () => {
    infrastructure = await startTestInfrastructure({
      baseEnvironment: process.env,
      repositoryRoot,
      progress: () => undefined,
    });
    mongo = await connectMongo(infrastructure.config.mongodb);
  });
  after(async () => {
    await worker?.kill();
    await mongo.close();
    await infrastructure.stop();
  });

  it('resumes after SIGKILL without regenerating persisted answers', async () => {
    const documents = sectionDocuments(loadSampleDocuments(), { perDocument: 1, maxChars: 400 })
      .filter((document) => (document.content_quality_score ?? 0) >= 0.3)
      .slice(0, 5);
    await insertRawDocuments(mongo, documents);
    const expectedAnswers = documents.length * 2;
    const started = Date.now();
    const samples = mongo.db.collection<StoredSample>(COLLECTIONS.datasetSamples);

    worker = await startWorkerProcess('offline', infrastructure.environment, {
      readyTimeoutMs: 180_000,
    });
    const client = await connectClient(infrastructure.config);
    try {
      const handle = await startPipeline(client, 'dataset', {
        // One batch, so the kill lands inside a single distillation activity.
        input: { augmentationLoops: 2, maxSummaryChars: 120, batchSize: 10 },
      });
      // Kill the worker once a few answers are persisted, before all of them are.
      const deadline = Date.now() + 180_000;
      while ((await samples.countDocuments({})) < 2) {
        assert.ok(Date.now() < deadline, `no answer persisted in time:\n${worker.output()}`);
        await delay(100);
      }
      await worker.kill('SIGKILL');
      worker = undefined;
      const beforeKill = await samples.find({}).toArray();
      assert.ok(
        beforeKill.length < expectedAnswers,
        `the kill came too late (${beforeKill.length} of ${expectedAnswers} answers done)`,
      );

      worker = await startWorkerProcess('offline', infrastructure.environment, {
        readyTimeoutMs: 180_000,
      });
      const result = (await handle.result()) as GenerateDatasetResult;
      assert.equal(result.failedDocuments, 0);
      assert.equal(result.generated + result.reused, expectedAnswers);

      // Each answer was paid for exactly once, and the ones from before the kill are untouched.
      const afterResume = await samples.find({}).toArray();
      assert.equal(afterResume.length, expectedAnswers);
      for (const sample of afterResume) assert.equal(sample.generations, 1, sample._id);
      const byId = new Map(afterResume.map((sample) => [sample._id, sample]));
      for (const sample of beforeKill) {
        assert.equal(byId.get(sample._id)?.answer, sample.answer);
        assert.deepEqual(byId.get(sample._id)?.createdAt, sample.createdAt);
      }

      // The distillation activity really was retried (attempt 2) after the kill.
      const history = await handle.fetchHistory();
      const attempts = (history.events ?? []).flatMap((event) =>
        event.activityTaskStartedEventAttributes
          ? [event.activityTaskStartedEventAttributes.attempt ?? 1]
          : [],
      );
      assert.ok(
        attempts.some((attempt) => attempt >= 2),
        `attempts: ${attempts.join(', ')}`,
      );
      await recordScenario({
        scenario: 'Worker crash during dataset distillation',
        fault: 'SIGKILL of the offline worker mid-batch (real local model), restarted',
        faultsInjected: 1,
        runsStarted: 1,
        runsCompleted: 1,
        documentsExpected: expectedAnswers,
        documentsLost: expectedAnswers - afterResume.length,
        documentsDuplicated: afterResume.filter((sample) => sample.generations !== 1).length,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await client.connection.close();
    }
  });
});
