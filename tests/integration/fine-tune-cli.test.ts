// `second-brain run fine-tune --input '{"dryRun":true}' --wait --json` as a user runs it: the real
// training program's dry run (python3, standard library only, no GPU) on the newest dataset
// version, through the local backend. The CLI starts runs on the shared offline task queue,
// so this test brings its own private servers, like the dataset CLI test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../config/environment.js';
import { TASK_QUEUES } from '../../domain/names.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import type { FineTuneDryRunResult } from '../../workflows/fine-tune.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { lastJsonLine, repositoryRoot, runCli } from '../support/test-environment.js';
import {
  startTestInfrastructure,
  type TestInfrastructure,
} from '../support/test-infrastructure.js';
import { seedDatasetVersion } from '../support/training-fixtures.js';

describe('second-brain run fine-tune (dry run)', () => {
  let infrastructure: TestInfrastructure;
  let environment: NodeJS.ProcessEnv;
  let mongo: MongoDatabase;
  let storage: ObjectStorage;
  let config: Config;

  before(async () => {
    infrastructure = await startTestInfrastructure({
      baseEnvironment: process.env,
      repositoryRoot,
      progress: () => undefined,
    });
    environment = {
      ...infrastructure.environment,
      SECOND_BRAIN_WORKFLOW_BUNDLES: process.env.SECOND_BRAIN_WORKFLOW_BUNDLES,
    };
    config = loadConfig(environment, repositoryRoot);
    mongo = await connectMongo(config.mongodb);
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    await seedDatasetVersion(mongo, storage, {
      datasetName: 'second-brain-summarization',
      version: 'v-111111111111',
      createdAt: new Date('2025-01-01T00:00:00Z'),
      splits: { train: 5, validation: 1, test: 1 },
    });
    await seedDatasetVersion(mongo, storage, {
      datasetName: 'second-brain-summarization',
      version: 'v-222222222222',
      createdAt: new Date('2025-03-01T00:00:00Z'),
      splits: { train: 24, validation: 3, test: 3 },
    });
  });
  // The default TRAINING_LOCAL_COMMAND: python3 training/train_summarizer.py. Between the
  // set-up and the tear-down: the worker stops before the servers do.
  const harness = useOfflineWorker({ config: () => config, taskQueue: TASK_QUEUES.offline });

  after(async () => {
    await mongo.close();
    storage.close();
    await infrastructure.stop();
  });

  it('--wait --json prints the validated config and the newest version counts', async () => {
    const result = await runCli(
      ['run', 'fine-tune', '--input', '{"dryRun":true}', '--wait', '--json'],
      { env: environment, timeoutMs: 180_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    const output = lastJsonLine(result.stdout) as FineTuneDryRunResult;
    assert.equal(output.dryRun, true);
    assert.equal(output.backend, 'local');
    assert.deepEqual(output.dataset, {
      name: 'second-brain-summarization',
      version: 'v-222222222222',
    });
    assert.deepEqual(output.counts, { train: 24, validation: 3, test: 3 });
    // 24 samples / (2 x 4) per step over one epoch.
    assert.equal(output.estimatedSteps, 3);
    assert.deepEqual(output.warnings, [
      'outputRepo: not set; a real run needs "namespace/name" to push the model',
    ]);
    const config = output.config as {
      baseModel: string;
      maxSeqLength: number;
      lora: { r: number; alpha: number; targetModules: string[] };
      training: { optimizer: string; seed: number };
      dataset: { localDir: string };
    };
    assert.equal(config.baseModel, 'unsloth/Meta-Llama-3.1-8B-Instruct');
    assert.equal(config.maxSeqLength, 4096);
    assert.equal(config.lora.targetModules.length, 7);
    assert.equal(config.training.optimizer, 'adamw_8bit');
    assert.match(config.dataset.localDir, /training-jobs\//);

    const workflowId = /as (\S+)/.exec(result.stderr)?.[1];
    assert.ok(workflowId, result.stderr);
    await recordHistoryForReplay(harness.client, workflowId, 'fine-tune-dry-run');
  });

  it('fails with a validation error naming the bad config field', async () => {
    const result = await runCli(
      [
        'run',
        // The pipeline's old name, still accepted as an alias of fine-tune.
        'train',
        '--input',
        JSON.stringify({ dryRun: true, config: { prompt: { template: 'no fields' } } }),
        '--wait',
        '--json',
      ],
      // As long as the first run's: on a loaded machine the CLI alone can take a minute.
      { env: environment, timeoutMs: 180_000 },
    );
    assert.equal(result.code, 1);
    const output = lastJsonLine(result.stdout) as { status: string; error: string };
    assert.equal(output.status, 'failed');
    assert.match(output.error, /config\.prompt\.template: must contain \{instruction\}/);
  });
});
