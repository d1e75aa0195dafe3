// `second-brain run dataset --wait --json` as a user runs it. The CLI starts runs on the shared
// offline task queue, so this test brings its own private servers: no other test's worker
// (with another database) can pick up its run, and its worker cannot pick up theirs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../config/environment.js';
import type { GenerateDatasetResult } from '../../domain/dataset-version.js';
import { TASK_QUEUES } from '../../domain/names.js';
import { parseWorkflowInput } from '../../domain/workflow-inputs.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import {
  insertRawDocuments,
  loadSampleDocuments,
  persistTeacherAnswers,
  sectionDocuments,
} from '../support/dataset-fixtures.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { lastJsonLine, repositoryRoot, runCli } from '../support/test-environment.js';
import {
  startTestInfrastructure,
  type TestInfrastructure,
} from '../support/test-infrastructure.js';

const TEACHER = 'recorded-teacher';

describe('second-brain run dataset', () => {
  let infrastructure: TestInfrastructure;
  let environment: NodeJS.ProcessEnv;
  let mongo: MongoDatabase;
  let config: Config;
  let answers: number;

  before(async () => {
    infrastructure = await startTestInfrastructure({
      baseEnvironment: process.env,
      repositoryRoot,
      progress: () => undefined,
    });
    // The suite's prebuilt workflow bundles, so the worker starts at once.
    environment = {
      ...infrastructure.environment,
      SECOND_BRAIN_WORKFLOW_BUNDLES: process.env.SECOND_BRAIN_WORKFLOW_BUNDLES,
    };
    config = loadConfig(environment, repositoryRoot);
    mongo = await connectMongo(config.mongodb);
    const samples = loadSampleDocuments();
    const documents = [...samples, ...sectionDocuments(samples, { perDocument: 3 })];
    await insertRawDocuments(mongo, documents);
    const input = parseWorkflowInput('generateDataset', {});
    // Recorded answers of a named teacher (distinct per document and loop): the run reuses them.
    answers = await persistTeacherAnswers(
      mongo,
      documents.filter(
        (document) =>
          (document.content_quality_score ?? -1) >= input.minQualityScore &&
          document.content.trim().length >= input.minChars,
      ),
      {
        teacherModel: TEACHER,
        settings: input,
        answer: (document, index, loop) =>
          `## ${document.metadata.title}\n\n- Take-away ${loop + 1} of document ${index}.`,
      },
    );
  });
  // Between the set-up and the tear-down: the worker stops before the servers do.
  useOfflineWorker({ config: () => config, taskQueue: TASK_QUEUES.offline });
  after(async () => {
    await mongo.close();
    await infrastructure.stop();
  });

  it('--wait --json prints the version and split counts in about the requested ratios', async () => {
    const result = await runCli(
      ['run', 'dataset', '--input', JSON.stringify({ teacherModel: TEACHER }), '--wait', '--json'],
      { env: environment, timeoutMs: 180_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    const output = lastJsonLine(result.stdout) as GenerateDatasetResult;
    assert.match(output.version, /^v-[0-9a-f]{12}$/);
    assert.equal(output.train + output.validation + output.test, answers);
    assert.equal(output.validation, Math.round(answers * 0.1));
    assert.equal(output.test, Math.round(answers * 0.1));
    assert.equal(output.generated, 0);
  });
});
