import { log, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createDatasetActivities } from '../activities/dataset-activities.js';
import type { GenerateDatasetResult } from '../domain/dataset-version.js';
import { parseInput } from './parse-input.js';
import { progressQuery } from './progress-query.js';
import { DOCUMENT_COUNT } from './search-attributes.js';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 10,
};

const storageActivities = proxyActivities<ReturnType<typeof createDatasetActivities>>({
  startToCloseTimeout: '5 minutes',
  retry,
});

// Distillation calls the teacher: long, so it heartbeats (also while a call runs), and a dead
// worker is noticed within the heartbeat timeout; the retry resumes where it stopped.
const distillActivities = proxyActivities<ReturnType<typeof createDatasetActivities>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry,
});

/**
 * Distills a summarization dataset from the `raw` documents: every document that passes the
 * quality filter is summarized by the teacher once per augmentation loop; the answers are
 * filtered, shuffled and split with the seed, and stored as a version in the data registry
 * (S3 + the `datasets` collection), then optionally pushed to the Hugging Face Hub.
 * History carries document ids and counts only.
 */
export async function generateDataset(rawInput: unknown = {}): Promise<GenerateDatasetResult> {
  const input = await parseInput('generateDataset', rawInput);
  const progress = {
    plan: { done: 0, failed: 0, pending: 1 },
    distill: { done: 0, failed: 0, pending: 0 },
    build: { done: 0, failed: 0, pending: 1 },
    publish: { done: 0, failed: 0, pending: input.push ? 1 : 0 },
  };
  setHandler(progressQuery, () => ({
    stages: Object.entries(progress).map(([stage, counts]) => ({ stage, ...counts })),
  }));

  // Summaries make the event history read as a story in the Temporal UI.
  const { documentIds } = await storageActivities.planDatasetDocuments.executeWithOptions(
    { summary: `Select raw documents with quality >= ${input.minQualityScore}` },
    [{ minQualityScore: input.minQualityScore, minChars: input.minChars, limit: input.limit }],
  );
  progress.plan = { done: 1, failed: 0, pending: 0 };
  // The Temporal UI can then filter runs by size, e.g. DocumentCount > 100.
  upsertSearchAttributes([{ key: DOCUMENT_COUNT, value: documentIds.length }]);
  progress.distill.pending = documentIds.length;

  const settings = {
    maxSummaryChars: input.maxSummaryChars,
    augmentationLoops: input.augmentationLoops,
    temperatureStep: input.temperatureStep,
    studentContextTokens: input.studentContextTokens,
    teacherModel: input.teacherModel,
  };
  let generated = 0;
  let reused = 0;
  let failedDocuments = 0;
  for (let start = 0; start < documentIds.length; start += input.batchSize) {
    const batch = documentIds.slice(start, start + input.batchSize);
    const result = await distillActivities.distillDocuments.executeWithOptions(
      {
        summary: `Distill documents ${start + 1}-${start + batch.length} of ${documentIds.length}`,
      },
      [{ documentIds: batch, settings }],
    );
    generated += result.generated;
    reused += result.reused;
    failedDocuments += result.failed.length;
    progress.distill.failed += result.failed.length;
    progress.distill.done += batch.length - result.failed.length;
    progress.distill.pending -= batch.length;
    for (const failure of result.failed) log.warn('Document left out of the dataset', failure);
  }

  const version = await storageActivities.buildDatasetVersion.executeWithOptions(
    { summary: `Build and store a version of ${input.datasetName}` },
    [{ documentIds, input }],
  );
  progress.build = { done: 1, failed: 0, pending: 0 };

  let hub: GenerateDatasetResult['hub'];
  if (input.push) {
    hub = await storageActivities.publishDatasetVersion.executeWithOptions(
      { summary: `Publish ${version.version} to the Hugging Face Hub` },
      [{ datasetName: version.datasetName, version: version.version, hubRepo: input.hubRepo }],
    );
    progress.publish = { done: 1, failed: 0, pending: 0 };
  }
  log.info('Dataset version ready', { version: version.version, train: version.train });
  return {
    version: version.version,
    train: version.train,
    validation: version.validation,
    test: version.test,
    datasetName: version.datasetName,
    prefix: version.prefix,
    documents: version.documents,
    generated,
    reused,
    failedDocuments,
    ...(hub ? { hub } : {}),
  };
}
