import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { startPipeline } from '../../clients/temporal-client.js';
import { DATASET_FILES } from '../../domain/dataset-card.js';
import type { GenerateDatasetResult } from '../../domain/dataset-version.js';
import { COLLECTIONS } from '../../domain/names.js';
import { datasetVersionPrefix } from '../../domain/storage-layout.js';
import { parseWorkflowInput } from '../../domain/workflow-inputs.js';
import type { Document } from '../../domain/document.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import type { DatasetRegistryEntry } from '../../integrations/mongo/stores/dataset-registry.js';
import {
  startHuggingFaceHubEmulator,
  type HuggingFaceHubEmulator,
} from '../emulators/huggingface-hub-emulator.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import {
  insertRawDocuments,
  loadSampleDocuments,
  persistTeacherAnswers,
  sectionDocuments,
} from '../support/dataset-fixtures.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

const HUB_TOKEN = 'hf_dataset_test_token';
const TEACHER = 'recorded-teacher';

/**
 * The steps after distillation on the real servers: the worker has no chat model, and every
 * teacher answer is already persisted (as a finished or interrupted earlier run leaves them),
 * so the run must reuse them all, then build, version, store and publish the dataset.
 */
describe('generateDataset workflow on the real servers (answers already distilled)', () => {
  // A private database: `raw` holds exactly this test's documents.
  const database = uniqueName('dataset_test').replaceAll('-', '_');
  const taskQueue = uniqueName('dataset');
  let hubEmulator: HuggingFaceHubEmulator;
  let config: ReturnType<typeof testConfig>;
  let mongo: MongoDatabase;
  let storage: ObjectStorage;
  let documents: Document[];
  let expected: { kept: number; dropped: { empty: number; too_long: number; duplicate: number } };

  before(async () => {
    hubEmulator = await startHuggingFaceHubEmulator({ token: HUB_TOKEN });
    config = testConfig({
      MONGODB_DATABASE: database,
      HF_TOKEN: HUB_TOKEN,
      HF_HUB_URL: hubEmulator.url,
      DATASET_REPO: 'tester/second-brain-summaries',
    });
    mongo = await connectMongo(config.mongodb);
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();

    const samples = loadSampleDocuments();
    const derived = sectionDocuments(samples, { perDocument: 3 });
    await insertRawDocuments(mongo, [...samples, ...derived]);
    const input = parseWorkflowInput('generateDataset', {});
    // The documents the quality filter keeps, in id order, as the workflow plans them.
    documents = [...samples, ...derived]
      .filter((document) => (document.content_quality_score ?? -1) >= input.minQualityScore)
      .filter((document) => document.content.trim().length >= input.minChars)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const dropped = { empty: 0, too_long: 0, duplicate: 0 };
    await persistTeacherAnswers(mongo, documents, {
      teacherModel: TEACHER,
      settings: input,
      answer(document, index, loop) {
        const summary = `## ${document.metadata.title}\n\n- Take-away ${loop + 1} of document ${index}.`;
        if (loop === 1 && index % 3 === 0) {
          dropped.duplicate++;
          return `## ${document.metadata.title}\n\n- Take-away 1 of document ${index}.`;
        }
        if (loop === 2 && index % 5 === 0) {
          dropped.too_long++;
          return 'x'.repeat(2 * input.maxSummaryChars + 1);
        }
        if (loop === 3 && index % 7 === 0) {
          dropped.empty++;
          return '  ';
        }
        return summary;
      },
    });
    expected = {
      kept:
        documents.length * input.augmentationLoops -
        dropped.empty -
        dropped.too_long -
        dropped.duplicate,
      dropped,
    };
  });
  const harness = useOfflineWorker({ config: () => config, taskQueue });

  after(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
    storage.close();
    await hubEmulator.close();
  });

  it('stores a version in S3 and the registry, and pushes exactly those files to the Hub', async () => {
    assert.ok(documents.length >= 10, `enough documents for three splits (${documents.length})`);
    const handle = await startPipeline(harness.client, 'dataset', {
      input: { teacherModel: TEACHER, push: true },
      taskQueue,
      trigger: 'test',
    });
    const result = (await handle.result()) as GenerateDatasetResult;
    await recordHistoryForReplay(harness.client, handle.workflowId, 'generate-dataset');

    assert.equal(result.generated, 0, 'no model call: every answer was already persisted');
    assert.equal(result.reused, documents.length * 4);
    assert.equal(result.train + result.validation + result.test, expected.kept);
    assert.equal(result.validation, Math.round(expected.kept * 0.1));
    assert.equal(result.test, Math.round(expected.kept * 0.1));
    assert.match(result.version, /^v-[0-9a-f]{12}$/);
    const described = await handle.describe();
    assert.deepEqual(described.searchAttributes.DocumentCount, [documents.length]);
    assert.deepEqual(described.searchAttributes.Pipeline, ['dataset']);

    // S3: the splits, the card and the charts.
    const prefix = datasetVersionPrefix('second-brain-summarization', result.version);
    assert.equal(result.prefix, prefix);
    const keys: string[] = [];
    for await (const key of storage.listKeys(prefix)) keys.push(key);
    assert.deepEqual(
      keys.sort(),
      Object.values(DATASET_FILES)
        .map((name) => prefix + name)
        .sort(),
    );
    const splitRows: Record<string, { instruction: string; answer: string }[]> = {};
    for (const split of ['train', 'validation', 'test'] as const) {
      const body = (await storage.getObject(prefix + DATASET_FILES[split]))!.body.toString('utf8');
      splitRows[split] = body
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { instruction: string; answer: string });
      assert.equal(splitRows[split].length, result[split]);
      for (const row of splitRows[split]) {
        assert.deepEqual(Object.keys(row), ['instruction', 'answer']);
        assert.ok(row.answer.length > 0 && row.answer.length <= 512);
      }
    }
    const card = (await storage.getObject(prefix + DATASET_FILES.card))!.body.toString('utf8');
    assert.match(card, new RegExp(`\\| train \\| ${result.train} \\|`));
    assert.match(card, new RegExp(`recorded/${TEACHER}`));
    assert.match(card, /TL;DR/);
    assert.match(card, new RegExp(`duplicate: ${expected.dropped.duplicate}`));
    const chart = (await storage.getObject(prefix + DATASET_FILES.qualityChart))!;
    assert.equal(chart.contentType, 'image/svg+xml');
    assert.match(chart.body.toString('utf8'), /^<svg /);

    // The registry entry.
    const entry = await mongo.db
      .collection<DatasetRegistryEntry>(COLLECTIONS.datasets)
      .findOne({ _id: `second-brain-summarization@${result.version}` });
    assert.ok(entry);
    assert.equal(entry.version, result.version);
    assert.deepEqual(entry.counts.dropped, expected.dropped);
    assert.equal(entry.counts.train, result.train);
    assert.equal(entry.teacher.model, TEACHER);
    assert.equal(entry.sourceFilter.minQualityScore, 0.3);
    assert.match(entry.promptHash, /^[0-9a-f]{16}$/);
    assert.ok(entry.createdAt instanceof Date);
    assert.equal(entry.hub?.repo, 'tester/second-brain-summaries');

    // The Hub received exactly the stored files, byte for byte.
    assert.deepEqual(result.hub?.committed, true);
    const repo = hubEmulator.repos.get('datasets/tester/second-brain-summaries');
    assert.ok(repo);
    assert.deepEqual([...repo.files.keys()].sort(), Object.values(DATASET_FILES).sort());
    for (const name of Object.values(DATASET_FILES)) {
      const stored = (await storage.getObject(prefix + name))!.body;
      assert.ok(stored.equals(repo.files.get(name)!), `${name} on the Hub equals S3`);
    }

    // The same input again: the same version, the same files, and no new commit on the Hub.
    const again = (await (
      await startPipeline(harness.client, 'dataset', {
        input: { teacherModel: TEACHER, push: true },
        taskQueue,
      })
    ).result()) as GenerateDatasetResult;
    assert.equal(again.version, result.version);
    assert.deepEqual(
      [again.train, again.validation, again.test],
      [result.train, result.validation, result.test],
    );
    assert.equal(again.hub?.committed, false);
    assert.equal(repo.commits.length, 1);
    assert.equal(
      await mongo.db.collection(COLLECTIONS.datasets).countDocuments({ version: result.version }),
      1,
    );

    // Another seed shuffles differently: a different version with the same total.
    const reseeded = (await (
      await startPipeline(harness.client, 'dataset', {
        input: { teacherModel: TEACHER, seed: 7 },
        taskQueue,
      })
    ).result()) as GenerateDatasetResult;
    assert.notEqual(reseeded.version, result.version);
    assert.equal(reseeded.train + reseeded.validation + reseeded.test, expected.kept);
  });

  it('keeps the document ids out of workflow history (an S3 key and counts only), and the dataset is unchanged', async () => {
    const handle = await startPipeline(harness.client, 'dataset', {
      // Small batches: many distill steps, each of which once carried its slice of the ids.
      input: { teacherModel: TEACHER, batchSize: 4 },
      taskQueue,
      trigger: 'test',
    });
    const result = (await handle.result()) as GenerateDatasetResult;
    await recordHistoryForReplay(
      harness.client,
      handle.workflowId,
      'generate-dataset-document-list',
    );
    assert.equal(result.train + result.validation + result.test, expected.kept);
    assert.equal(result.reused, documents.length * 4);
    assert.equal(result.documents, documents.length);

    // The history as the server stores it (payloads are JSON text inside the protobuf).
    const history = Buffer.from(
      proto.temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish(),
    );
    assert.ok(history.includes(Buffer.from(TEACHER)), 'the payloads are searchable as text');
    const leaked = documents.filter((document) => history.includes(Buffer.from(document.id)));
    assert.deepEqual(
      leaked.map((document) => document.id),
      [],
      `${leaked.length} of ${documents.length} document ids are in the history`,
    );
    // The ids are in the run's list in S3, in distillation order.
    const { runId } = (await handle.describe()) as { runId: string };
    const list = await storage.getJson(`runs/dataset/${runId}/documents.json`);
    assert.deepEqual(
      list,
      documents.map((document) => document.id),
    );
  });

  it('fails with a clear non-retryable error when a new answer is needed from a teacher the worker does not serve', async () => {
    const handle = await startPipeline(harness.client, 'dataset', {
      // A different summary limit is a different prompt: none of its answers exist yet.
      input: { teacherModel: TEACHER, maxSummaryChars: 128, limit: 1 },
      taskQueue,
    });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      const failure = error.cause?.cause;
      assert.ok(failure instanceof ApplicationFailure, String(error.cause));
      assert.equal(failure.type, 'ValidationError');
      assert.equal(failure.nonRetryable, true);
      assert.match(
        failure.message,
        /teacherModel "recorded-teacher" was requested, but this worker serves "local\/SmolLM2/,
      );
      return true;
    });
    await recordHistoryForReplay(
      harness.client,
      handle.workflowId,
      'generate-dataset-wrong-teacher',
    );
  });
});
