// Distillation with the real local teacher (SmolLM2-135M-Instruct through node-llama-cpp, pulled
// by the test runner's setup) on a few short documents, through the real workflow and servers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPipeline } from '../../clients/temporal-client.js';
import type { GenerateDatasetResult } from '../../domain/dataset-version.js';
import { COLLECTIONS } from '../../domain/names.js';
import { datasetVersionPrefix } from '../../domain/storage-layout.js';
import { DATASET_FILES } from '../../domain/dataset-card.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import type {
  DatasetRegistryEntry,
  StoredSample,
} from '../../integrations/mongo/stores/dataset-registry.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import {
  insertRawDocuments,
  loadSampleDocuments,
  sectionDocuments,
} from '../support/dataset-fixtures.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

describe('generateDataset with the real local teacher model', () => {
  const database = uniqueName('dataset_llm').replaceAll('-', '_');
  const taskQueue = uniqueName('dataset-llm');
  const config = testConfig({ MONGODB_DATABASE: database });
  // Short documents and summaries: the machine is shared and the model runs on one CPU thread.
  const input = {
    limit: 3,
    augmentationLoops: 2,
    maxSummaryChars: 120,
    datasetName: 'llm-distilled',
  };
  let mongo: MongoDatabase;
  let storage: ObjectStorage;

  before(async () => {
    mongo = await connectMongo(config.mongodb);
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    await insertRawDocuments(
      mongo,
      sectionDocuments(loadSampleDocuments(), { perDocument: 1, maxChars: 500 }),
    );
  });
  const harness = useOfflineWorker({ config: () => config, taskQueue });
  after(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
    storage.close();
  });

  it('distills each document once per loop, persists every answer, and never pays twice', async () => {
    const handle = await startPipeline(harness.client, 'dataset', { input, taskQueue });
    const result = (await handle.result()) as GenerateDatasetResult;
    assert.equal(result.failedDocuments, 0);
    assert.equal(result.generated, 3 * 2, 'one teacher call per document and loop');
    assert.equal(result.reused, 0);

    const samples = await mongo.db
      .collection<StoredSample>(COLLECTIONS.datasetSamples)
      .find({})
      .toArray();
    assert.equal(samples.length, 6);
    for (const sample of samples) {
      assert.equal(sample.teacher.provider, 'local');
      assert.equal(sample.teacher.model, 'SmolLM2-135M-Instruct-Q4_1');
      assert.equal(sample.generations, 1);
      assert.ok(sample.usage.completionTokens > 0);
      assert.ok(sample.instruction.length > 0 && sample.instruction.length <= 500);
    }
    assert.deepEqual([...new Set(samples.map((sample) => sample.temperature))].sort(), [0, 0.125]);

    // Every answer lands in a split or in the dropped counts of the registry entry.
    const entry = await mongo.db
      .collection<DatasetRegistryEntry>(COLLECTIONS.datasets)
      .findOne({ _id: `llm-distilled@${result.version}` });
    assert.ok(entry);
    assert.equal(entry.teacher.model, 'SmolLM2-135M-Instruct-Q4_1');
    const dropped = Object.values(entry.counts.dropped).reduce((sum, count) => sum + count, 0);
    assert.equal(result.train + result.validation + result.test + dropped, 6);
    const train = await storage.getObject(
      datasetVersionPrefix('llm-distilled', result.version) + DATASET_FILES.train,
    );
    assert.equal(train?.body.toString('utf8').split('\n').filter(Boolean).length, result.train);

    // A re-run pays for nothing and builds the same version.
    const again = (await (
      await startPipeline(harness.client, 'dataset', { input, taskQueue })
    ).result()) as GenerateDatasetResult;
    assert.equal(again.generated, 0);
    assert.equal(again.reused, 6);
    assert.equal(again.version, result.version);
    const generations = await mongo.db
      .collection<StoredSample>(COLLECTIONS.datasetSamples)
      .find({ generations: { $ne: 1 } })
      .toArray();
    assert.deepEqual(generations, []);
  });
});
