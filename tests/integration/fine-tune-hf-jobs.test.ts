// fineTune through the `hf-jobs` backend: the real @huggingface/hub client (runJob, listJobs,
// getJob, cancelJob, streamJobLogs) against the Hub emulator's Jobs endpoints, whose jobs
// print what a real Unsloth run prints. Covers success (with the dataset published first and
// a teacher comparison), OOM and timeout failures, a relaunch after a preempted node,
// cancellation, and a worker killed mid-poll that must not launch a second job.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { ModelRegistryEntry } from '../../integrations/mongo/stores/model-registry.js';
import type { TrainingJobRecord } from '../../integrations/mongo/stores/training-jobs.js';
import { COLLECTIONS } from '../../domain/names.js';
import type { TrainingProgramConfig } from '../../domain/training-config.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { LAUNCH_LABEL } from '../../integrations/training/huggingface-jobs-backend.js';
import type { FineTuneResult } from '../../workflows/fine-tune.js';
import {
  startHuggingFaceHubEmulator,
  type EmulatedJob,
  type HuggingFaceHubEmulator,
  type JobScript,
} from '../emulators/huggingface-hub-emulator.js';
import type { ScriptedHttpServer } from '../emulators/scripted-http-server.js';
import type { Config } from '../../config/environment.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { standInLoss, standInTrainingLines } from '../support/stand-in-training.js';
import { testConfig, uniqueName } from '../support/test-environment.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { seedDatasetVersion, startSummarizerEndpoint } from '../support/training-fixtures.js';

const TOKEN = 'hf_training_jobs_token';
const DATASET = 'second-brain-summarization';

function jobConfig(job: Pick<EmulatedJob, 'spec'>): TrainingProgramConfig {
  return JSON.parse(
    Buffer.from(job.spec.environment?.TRAINING_CONFIG ?? '', 'base64').toString('utf8'),
  ) as TrainingProgramConfig;
}

/** What each emulated job runs, by the output repo's name (see stand-in-training.ts). */
function createJobScripts() {
  const launches = new Map<string, number>();
  return (job: Omit<EmulatedJob, 'script'>): JobScript => {
    const config = jobConfig(job);
    const repo = config.outputRepo ?? '';
    const launch = (launches.get(repo) ?? 0) + 1;
    launches.set(repo, launch);
    const steps = config.training.maxSteps ?? 8;
    const slow = repo.includes('-slow');
    const run = standInTrainingLines({ steps, outputRepo: repo, examples: 16 });
    if (repo.endsWith('-timeout'))
      return {
        lines: run.lines.slice(0, 12),
        lineIntervalMs: 20,
        finalStage: 'ERROR',
        message: 'Job timeout',
      };
    if (repo.endsWith('-preempted') && launch === 1)
      return {
        lines: run.lines.slice(0, 14),
        lineIntervalMs: 20,
        finalStage: 'ERROR',
        message: 'Node was preempted by the provider',
      };
    return {
      lines: run.lines,
      lineIntervalMs: slow ? 200 : 20,
      finalStage: run.exitCode === 0 ? 'COMPLETED' : 'ERROR',
      message: run.exitCode === 0 ? undefined : 'Job failed with exit code: 1',
    };
  };
}

function jobsOf(hub: HuggingFaceHubEmulator, repo: string): EmulatedJob[] {
  return [...hub.jobs.values()].filter((job) => jobConfig(job).outputRepo === repo);
}

function launchRequests(hub: HuggingFaceHubEmulator): number {
  return hub.requests.filter(
    (request) => request.method === 'POST' && request.path === '/api/jobs/tester',
  ).length;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function environmentFor(hub: HuggingFaceHubEmulator, database: string) {
  return {
    MONGODB_DATABASE: database,
    HF_TOKEN: TOKEN,
    HF_HUB_URL: hub.url,
    DATASET_REPO: 'tester/second-brain-summaries',
  };
}

describe('fineTune on Hugging Face Jobs (emulated)', () => {
  const database = uniqueName('train_jobs').replaceAll('-', '_');
  const taskQueue = uniqueName('train-jobs');
  let hub: HuggingFaceHubEmulator;
  let endpoint: ScriptedHttpServer;
  let config: Config;
  let mongo: MongoDatabase;
  let storage: ObjectStorage;

  before(async () => {
    hub = await startHuggingFaceHubEmulator({ token: TOKEN, jobScript: createJobScripts() });
    config = testConfig(environmentFor(hub, database));
    mongo = await connectMongo(config.mongodb);
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    const rows = await seedDatasetVersion(mongo, storage, {
      datasetName: DATASET,
      version: 'v-cccccccccccc',
      createdAt: new Date(),
    });
    endpoint = await startSummarizerEndpoint(
      new Map(rows.test.map((row) => [row.instruction, row.answer])),
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

  it('publishes the dataset, runs the job with the token as a secret, registers the model and compares it with the teacher', async () => {
    const handle = await startPipeline(harness.client, 'fine-tune', {
      input: {
        backend: 'hf-jobs',
        flavor: 'l40sx1',
        timeoutMinutes: 90,
        config: { outputRepo: 'tester/summarizer', training: { maxSteps: 5 } },
        evaluation: { endpointUrl: endpoint.url, compareWithTeacher: true, maxSamples: 2 },
        pollIntervalSeconds: 1,
      },
      taskQueue,
    });
    const result = (await handle.result()) as FineTuneResult;
    await recordHistoryForReplay(harness.client, handle.workflowId, 'fine-tune-hf-jobs');

    // The dataset went to the Hub first, where the job reads it.
    const datasetRepo = hub.repos.get('datasets/tester/second-brain-summaries');
    assert.ok(datasetRepo?.files.has('train.jsonl'));
    const [job] = jobsOf(hub, 'tester/summarizer');
    assert.ok(job);
    assert.equal(job.spec.dockerImage, 'unsloth/unsloth:latest');
    assert.equal(job.spec.flavor, 'l40sx1');
    assert.equal(job.spec.timeoutSeconds, 90 * 60);
    assert.deepEqual(job.spec.secrets, { HF_TOKEN: TOKEN });
    assert.equal(job.spec.environment?.HF_TOKEN, undefined, 'the token is a secret, not plain env');
    assert.match(job.spec.labels?.[LAUNCH_LABEL] ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(job.spec.command?.slice(0, 2), ['bash', '-c']);
    const program = Buffer.from(job.spec.environment?.TRAINING_PROGRAM ?? '', 'base64').toString(
      'utf8',
    );
    assert.match(program, /from trl import SFTConfig, SFTTrainer/);
    const config = jobConfig(job);
    assert.deepEqual(config.dataset, {
      localDir: null,
      hubRepo: 'tester/second-brain-summaries',
      revision: 'main',
    });
    assert.equal(config.training.learningRate, 2e-4);

    assert.equal(result.jobId, job.id);
    assert.equal(result.steps, 5);
    assert.equal(result.finalLoss, standInLoss(5, 5));
    assert.ok(result.rouge && result.rouge.rouge1 > 0.5);
    assert.ok(result.teacherRouge, 'the teacher was scored by the same scorer');
    assert.ok(result.teacherRouge.rouge1 >= 0 && result.teacherRouge.rouge1 <= 1);
    const model = await mongo.db
      .collection<ModelRegistryEntry>(COLLECTIONS.models)
      .findOne({ _id: result.modelId });
    assert.equal(model?.backend, 'hf-jobs');
    assert.equal(model?.lossCurve.length, 5);
    assert.equal(model?.evaluation.teacher?.summarizer, 'teacher');
    assert.equal(model?.dataset.hubRepo, 'tester/second-brain-summaries');
    const card = hub.repos
      .get('models/tester/summarizer')
      ?.files.get('README.md')
      ?.toString('utf8');
    assert.match(card ?? '', /\| teacher \| 2 \|/);
    assert.match(card ?? '', /hf-jobs \(l40sx1\)/);
  });

  it('maps an out-of-memory job and a timed-out job to clear non-retryable failures', async () => {
    for (const [repo, pattern] of [
      ['tester/summarizer-oom', /ran out of GPU memory on a10g-large .*CUDA out of memory/],
      ['tester/summarizer-timeout', /exceeded its timeout of 240 minutes \(Job timeout/],
    ] as const) {
      const handle = await startPipeline(harness.client, 'fine-tune', {
        input: {
          backend: 'hf-jobs',
          config: { outputRepo: repo, training: { maxSteps: 6 } },
          pollIntervalSeconds: 1,
        },
        taskQueue,
      });
      await assert.rejects(handle.result(), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        const failure = error.cause?.cause;
        assert.ok(failure instanceof ApplicationFailure, String(error.cause));
        assert.equal(failure.nonRetryable, true);
        assert.match(failure.message, pattern);
        return true;
      });
      assert.equal(jobsOf(hub, repo).length, 1, `${repo}: launched once`);
    }
  });

  it('launches again after an infrastructure failure (a preempted node)', async () => {
    const handle = await startPipeline(harness.client, 'fine-tune', {
      input: {
        backend: 'hf-jobs',
        config: { outputRepo: 'tester/summarizer-preempted', training: { maxSteps: 4 } },
        pollIntervalSeconds: 1,
      },
      taskQueue,
    });
    const result = (await handle.result()) as FineTuneResult;
    assert.equal(result.launches, 2);
    assert.equal(result.steps, 4);
    const jobs = jobsOf(hub, 'tester/summarizer-preempted');
    assert.equal(jobs.length, 2);
    assert.equal(result.jobId, jobs[1]!.id);
    const records = await mongo.db
      .collection<TrainingJobRecord>(COLLECTIONS.trainingJobs)
      .find({ workflowId: handle.workflowId })
      .sort({ launchedAt: 1 })
      .toArray();
    assert.deepEqual(
      records.map((record) => [record.state, record.failure?.kind ?? null]),
      [
        ['failed', 'infrastructure'],
        ['succeeded', null],
      ],
    );
  });

  it('cancelling the workflow cancels the job', async () => {
    const handle = await startPipeline(harness.client, 'fine-tune', {
      input: {
        backend: 'hf-jobs',
        config: { outputRepo: 'tester/summarizer-slow-cancel', training: { maxSteps: 40 } },
        pollIntervalSeconds: 1,
      },
      taskQueue,
    });
    await waitFor(
      () => (jobsOf(hub, 'tester/summarizer-slow-cancel')[0] ? true : false),
      'the launch',
    );
    const [job] = jobsOf(hub, 'tester/summarizer-slow-cancel');
    await waitFor(() => Date.now() - job!.createdAt > 3_000, 'some training');
    await handle.cancel();
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof CancelledFailure, String(error.cause));
      return true;
    });
    await waitFor(() => job!.cancelledAt !== undefined, 'the cancelJob call');
    assert.ok(
      hub.requests.some(
        (request) =>
          request.method === 'POST' && request.path === `/api/jobs/tester/${job!.id}/cancel`,
      ),
    );
  });
});

describe('fineTune on Hugging Face Jobs across a worker crash', () => {
  const database = uniqueName('train_crash').replaceAll('-', '_');
  const taskQueue = uniqueName('train-crash');
  let hub: HuggingFaceHubEmulator;
  let client: Client;
  let mongo: MongoDatabase;
  let storage: ObjectStorage;
  let environment: NodeJS.ProcessEnv;
  const workers: WorkerProcess[] = [];

  before(async () => {
    hub = await startHuggingFaceHubEmulator({ token: TOKEN, jobScript: createJobScripts() });
    environment = { ...process.env, ...environmentFor(hub, database) };
    const config = testConfig(environmentFor(hub, database));
    mongo = await connectMongo(config.mongodb);
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    await seedDatasetVersion(mongo, storage, {
      datasetName: DATASET,
      version: 'v-dddddddddddd',
      createdAt: new Date(),
    });
    client = await connectClient(config);
  });

  after(async () => {
    for (const worker of workers) await worker.kill();
    await client.connection.close();
    await mongo.db.dropDatabase();
    await mongo.close();
    storage.close();
    await hub.close();
  });

  it('a worker killed mid-poll is replaced, and the new one watches the same job', async () => {
    workers.push(await startWorkerProcess('offline', environment, { taskQueue }));
    const handle = await startPipeline(client, 'fine-tune', {
      input: {
        backend: 'hf-jobs',
        config: { outputRepo: 'tester/summarizer-slow-restart', training: { maxSteps: 40 } },
        pollIntervalSeconds: 1,
        pushModelCard: false,
      },
      taskQueue,
    });
    const jobs = mongo.db.collection<TrainingJobRecord>(COLLECTIONS.trainingJobs);
    // Mid-poll: the job runs and the watch has reported steps.
    await waitFor(
      async () => ((await jobs.findOne({ workflowId: handle.workflowId }))?.latest?.step ?? 0) >= 2,
      'progress from the first worker',
    );
    await workers[0]!.kill('SIGKILL');
    const [job] = jobsOf(hub, 'tester/summarizer-slow-restart');
    assert.ok(job);
    workers.push(await startWorkerProcess('offline', environment, { taskQueue }));
    const result = (await handle.result()) as FineTuneResult;
    assert.equal(result.jobId, job.id);
    assert.equal(result.steps, 40, 'the whole loss curve, replayed from the job logs');
    assert.equal(result.launches, 1);
    assert.equal(
      jobsOf(hub, 'tester/summarizer-slow-restart').length,
      1,
      'one job at the emulator',
    );
    assert.equal(launchRequests(hub), 1, 'one runJob call');
    const history = await handle.fetchHistory();
    const watchAttempts = history.events?.filter(
      (event) =>
        event.activityTaskStartedEventAttributes &&
        (event.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
    );
    assert.ok((watchAttempts?.length ?? 0) >= 1, 'the watch was retried on the new worker');
  });
});
