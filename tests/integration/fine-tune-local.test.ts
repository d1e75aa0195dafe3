// fineTune through the `local` backend on the real servers: the training command is the
// stand-in (realistic Unsloth/TRL output, no GPU), run as a detached child process exactly as
// the real program would be; evaluation calls an endpoint emulator, the card goes to the Hub
// emulator. Covers success with registry, loss curve and ROUGE; an OOM; and cancellation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { startPipeline } from '../../clients/temporal-client.js';
import type { ModelRegistryEntry } from '../../integrations/mongo/stores/model-registry.js';
import type { TrainingJobRecord } from '../../integrations/mongo/stores/training-jobs.js';
import { COLLECTIONS } from '../../domain/names.js';
import { meanRougeScores, rougeScores } from '../../domain/rouge.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import type { Config } from '../../config/environment.js';
import type { FineTuneResult } from '../../workflows/fine-tune.js';
import {
  startHuggingFaceHubEmulator,
  type HuggingFaceHubEmulator,
} from '../emulators/huggingface-hub-emulator.js';
import type { ScriptedHttpServer } from '../emulators/scripted-http-server.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { standInLoss } from '../support/stand-in-training.js';
import { testConfig, uniqueName } from '../support/test-environment.js';
import {
  endpointSummary,
  seedDatasetVersion,
  startSummarizerEndpoint,
  STAND_IN_TRAINING_COMMAND,
  type DatasetRow,
} from '../support/training-fixtures.js';

const TOKEN = 'hf_training_local_token';
const DATASET = 'second-brain-summarization';

describe('fineTune on the local backend (stand-in training command)', () => {
  const database = uniqueName('train_local').replaceAll('-', '_');
  const taskQueue = uniqueName('train-local');
  let hub: HuggingFaceHubEmulator;
  let endpoint: ScriptedHttpServer;
  let mongo: MongoDatabase;
  let storage: ObjectStorage;
  let testRows: DatasetRow[];
  let config: Config;

  before(async () => {
    hub = await startHuggingFaceHubEmulator({ token: TOKEN });
    config = testConfig({
      MONGODB_DATABASE: database,
      HF_TOKEN: TOKEN,
      HF_HUB_URL: hub.url,
      TRAINING_LOCAL_COMMAND: STAND_IN_TRAINING_COMMAND,
    });
    mongo = await connectMongo(config.mongodb);
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    // An older version and the newest: the workflow must pick the newest.
    await seedDatasetVersion(mongo, storage, {
      datasetName: DATASET,
      version: 'v-aaaaaaaaaaaa',
      createdAt: new Date('2025-01-01T00:00:00Z'),
      splits: { train: 3, validation: 1, test: 1 },
    });
    const rows = await seedDatasetVersion(mongo, storage, {
      datasetName: DATASET,
      version: 'v-bbbbbbbbbbbb',
      createdAt: new Date('2025-02-01T00:00:00Z'),
    });
    testRows = rows.test;
    endpoint = await startSummarizerEndpoint(
      new Map(testRows.map((row) => [row.instruction, row.answer])),
      TOKEN,
    );
  });
  const harness = useOfflineWorker({ config: () => config, taskQueue });

  after(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
    storage.close();
    await hub.close();
    await endpoint.stop();
  });

  it('trains, evaluates with ROUGE, registers the model with its loss curve and pushes the card', async () => {
    process.env.STAND_IN_STEP_MS = '50';
    const handle = await startPipeline(harness.client, 'fine-tune', {
      input: {
        backend: 'local',
        config: { outputRepo: 'tester/second-brain-summarizer', training: { maxSteps: 6 } },
        evaluation: { endpointUrl: endpoint.url, endpointModel: 'tgi' },
        pollIntervalSeconds: 1,
      },
      taskQueue,
    });
    const result = (await handle.result()) as FineTuneResult;
    await recordHistoryForReplay(harness.client, handle.workflowId, 'fine-tune-local');

    assert.equal(result.dataset.version, 'v-bbbbbbbbbbbb', 'the newest dataset version');
    assert.equal(result.backend, 'local');
    assert.equal(result.steps, 6);
    assert.equal(result.launches, 1);
    assert.equal(result.finalLoss, standInLoss(6, 6));
    assert.equal(result.repoId, 'tester/second-brain-summarizer');
    assert.match(result.revision ?? '', /^[0-9a-f]{40}$/);
    // ROUGE of the endpoint's summaries against the test split's references.
    const expected = meanRougeScores(
      testRows.map((row) => rougeScores(row.answer, endpointSummary(row.answer))),
    );
    assert.ok(result.rouge);
    assert.ok(Math.abs(result.rouge.rouge1 - expected.rouge1.fmeasure) < 1e-12);
    assert.ok(Math.abs(result.rouge.rougeL - expected.rougeL.fmeasure) < 1e-12);
    assert.ok(result.rouge.rouge1 > 0.5 && result.rouge.rouge1 < 1, String(result.rouge.rouge1));
    // The endpoint got the training prompt, one request per test sample.
    const prompts = endpoint.requests.map((request) => (request.body as { prompt: string }).prompt);
    assert.equal(prompts.length, testRows.length);
    assert.match(prompts[0]!, /^Below is an instruction[\s\S]*### Input:\n# test document 0/);

    const model = await mongo.db
      .collection<ModelRegistryEntry>(COLLECTIONS.models)
      .findOne({ _id: result.modelId });
    assert.ok(model);
    assert.deepEqual(
      model.lossCurve.map((point) => [point.step, point.loss]),
      [1, 2, 3, 4, 5, 6].map((step) => [step, standInLoss(step, 6)]),
    );
    assert.ok(model.lossCurve.every((point) => typeof point.learningRate === 'number'));
    assert.equal(model.dataset.version, 'v-bbbbbbbbbbbb');
    assert.equal(model.config.lora.r, 16);
    assert.equal(model.evaluation.fineTuned?.samples, testRows.length);
    assert.equal(model.evaluation.teacher, null);
    assert.equal(model.card.pushed, true);
    const chart = await storage.getObject(model.files.lossChart);
    assert.equal(chart?.contentType, 'image/svg+xml');
    assert.equal(chart?.body.toString('utf8').match(/<circle /g)?.length, 6);

    // The card and the chart on the Hub, as stored in S3.
    const repo = hub.repos.get('models/tester/second-brain-summarizer');
    assert.ok(repo);
    assert.deepEqual([...repo.files.keys()].sort(), ['README.md', 'loss-curve.svg']);
    const card = repo.files.get('README.md')!.toString('utf8');
    assert.match(card, /base_model: unsloth\/Meta-Llama-3.1-8B-Instruct/);
    assert.match(card, /\| fine-tuned \| 4 \|/);

    const job = await mongo.db
      .collection<TrainingJobRecord>(COLLECTIONS.trainingJobs)
      .findOne({ workflowId: handle.workflowId });
    assert.equal(job?.state, 'succeeded');
    assert.deepEqual(job?.latest, { step: 6, loss: standInLoss(6, 6) });
  });

  it('fails at once, without retrying, when the GPU runs out of memory', async () => {
    process.env.STAND_IN_STEP_MS = '20';
    const handle = await startPipeline(harness.client, 'fine-tune', {
      input: {
        backend: 'local',
        config: { outputRepo: 'tester/summarizer-oom', training: { maxSteps: 6 } },
        pollIntervalSeconds: 1,
      },
      taskQueue,
    });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      const failure = error.cause?.cause;
      assert.ok(failure instanceof ApplicationFailure, String(error.cause));
      assert.equal(failure.type, 'PermanentError');
      assert.equal(failure.nonRetryable, true);
      assert.match(
        failure.message,
        /ran out of GPU memory .*CUDA out of memory.*set config\.loadIn4bit/,
      );
      return true;
    });
    const jobs = await mongo.db
      .collection<TrainingJobRecord>(COLLECTIONS.trainingJobs)
      .find({ workflowId: handle.workflowId })
      .toArray();
    assert.equal(jobs.length, 1, 'one launch: an OOM is not an infrastructure failure');
    assert.equal(jobs[0]?.state, 'failed');
    assert.equal(jobs[0]?.failure?.kind, 'outOfMemory');
  });

  it('cancelling the workflow kills the training process', async () => {
    process.env.STAND_IN_STEP_MS = '500';
    const handle = await startPipeline(harness.client, 'fine-tune', {
      input: {
        backend: 'local',
        config: { outputRepo: 'tester/summarizer-cancelled', training: { maxSteps: 60 } },
        pollIntervalSeconds: 1,
      },
      taskQueue,
    });
    const jobs = mongo.db.collection<TrainingJobRecord>(COLLECTIONS.trainingJobs);
    let record: TrainingJobRecord | null = null;
    for (let waited = 0; waited < 60_000; waited += 250) {
      record = await jobs.findOne({ workflowId: handle.workflowId });
      if (record?.latest) break;
      await sleep(250);
    }
    assert.ok(record?.latest, 'the job reported progress before the cancel');
    await handle.cancel();
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof CancelledFailure, String(error.cause));
      return true;
    });
    for (let waited = 0; waited < 20_000; waited += 250) {
      record = await jobs.findOne({ workflowId: handle.workflowId });
      if (record?.state === 'cancelled') break;
      await sleep(250);
    }
    assert.equal(record?.state, 'cancelled');
    // The process group is gone: no step is printed after the cancel.
    const stepBefore = record?.latest?.step ?? 0;
    assert.ok(stepBefore < 60);
    const { createLocalProcessBackend } =
      await import('../../integrations/training/local-process-backend.js');
    const config = testConfig({ TRAINING_LOCAL_COMMAND: STAND_IN_TRAINING_COMMAND });
    const backend = createLocalProcessBackend({
      jobsDirectory: config.training.jobsDirectory,
      command: config.training.localCommand,
      workingDirectory: process.cwd(),
    });
    assert.equal((await backend.status(record.jobId)).state, 'cancelled');
  });
});
