import {
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createDatasetActivities } from '../activities/dataset/index.js';
import type { GenerateDatasetResult } from '../domain/dataset-version.js';
import { PIPELINE_RETRY, STORAGE_ACTIVITY } from './activity-policies.js';
import { parseInput } from './parse-input.js';
import { progressQuery } from './progress-query.js';
import { DOCUMENT_COUNT } from './search-attributes.js';

/**
 * Since this change the document ids live in S3 (the plan writes them, batches and the build
 * read their slice); histories recorded before it pass the ids themselves and replay that way.
 */
export const DOCUMENT_LIST_IN_STORAGE_PATCH = 'dataset-document-list-in-storage';

const storageActivities =
  proxyActivities<ReturnType<typeof createDatasetActivities>>(STORAGE_ACTIVITY);

// Distillation calls the teacher: long, so it heartbeats (also while a call runs), and a dead
// worker is noticed within the heartbeat timeout; the retry resumes where it stopped.
const distillActivities = proxyActivities<ReturnType<typeof createDatasetActivities>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: PIPELINE_RETRY,
});

/**
 * Distills a summarization dataset from the `raw` documents: every document that passes the
 * quality filter is summarized by the teacher once per augmentation loop; the answers are
 * filtered, shuffled and split with the seed, and stored as a version in the data registry
 * (S3 + the `datasets` collection), then optionally pushed to the Hugging Face Hub.
 * History carries the S3 key of the document list and counts, never the ids themselves.
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
  const filter = {
    minQualityScore: input.minQualityScore,
    minChars: input.minChars,
    limit: input.limit,
  };
  const planSummary = `Select raw documents with quality >= ${input.minQualityScore}`;
  // Where the ids are: one S3 list (its key in history), or, replaying an old history, inline.
  let documents:
    | { kind: 'list'; listKey: string; count: number }
    | { kind: 'ids'; documentIds: string[]; count: number };
  if (patched(DOCUMENT_LIST_IN_STORAGE_PATCH)) {
    const plan = await storageActivities.planDatasetDocumentList.executeWithOptions(
      { summary: planSummary },
      [{ ...filter, runId: workflowInfo().runId }],
    );
    documents = { kind: 'list', listKey: plan.listKey, count: plan.count };
  } else {
    const { documentIds } = await storageActivities.planDatasetDocuments.executeWithOptions(
      { summary: planSummary },
      [filter],
    );
    documents = { kind: 'ids', documentIds, count: documentIds.length };
  }
  const documentCount = documents.count;
  progress.plan = { done: 1, failed: 0, pending: 0 };
  // The Temporal UI can then filter runs by size, e.g. DocumentCount > 100.
  upsertSearchAttributes([{ key: DOCUMENT_COUNT, value: documentCount }]);
  progress.distill.pending = documentCount;

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
  for (let start = 0; start < documentCount; start += input.batchSize) {
    const size = Math.min(input.batchSize, documentCount - start);
    const batch =
      documents.kind === 'list'
        ? { documentList: { key: documents.listKey, offset: start, limit: size } }
        : { documentIds: documents.documentIds.slice(start, start + size) };
    const result = await distillActivities.distillDocuments.executeWithOptions(
      { summary: `Distill documents ${start + 1}-${start + size} of ${documentCount}` },
      [{ ...batch, settings }],
    );
    generated += result.generated;
    reused += result.reused;
    failedDocuments += result.failed.length;
    progress.distill.failed += result.failed.length;
    progress.distill.done += size - result.failed.length;
    progress.distill.pending -= size;
    for (const failure of result.failed) log.warn('Document left out of the dataset', failure);
  }

  const version = await storageActivities.buildDatasetVersion.executeWithOptions(
    { summary: `Build and store a version of ${input.datasetName}` },
    [
      documents.kind === 'list'
        ? { documentListKey: documents.listKey, input }
        : { documentIds: documents.documentIds, input },
    ],
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
