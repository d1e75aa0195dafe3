// Builds a dataset version from the persisted teacher answers and stores it in the data
// registry: the files under datasets/<name>/<version>/ and a record in `datasets`.
import { log } from '@temporalio/activity';
import { datasetVersionFiles, versionCandidates } from '../../domain/dataset-build.js';
import { DATASET_FILES } from '../../domain/dataset-card.js';
import {
  distillationSystemPrompt,
  filterSamples,
  loopTemperatures,
  promptHash,
} from '../../domain/dataset-distillation.js';
import { shuffleAndSplit } from '../../domain/dataset-split.js';
import {
  datasetVersionId,
  type DatasetVersionSummary,
  type DocumentListSlice,
} from '../../domain/dataset-version.js';
import { COLLECTIONS } from '../../domain/names.js';
import { datasetVersionPrefix } from '../../domain/storage-layout.js';
import type { GenerateDatasetInput } from '../../domain/workflow-inputs.js';
import type { DatasetActivityDependencies } from './dependencies.js';
import { documentHash } from './distill-documents.js';
import { documentIdsOf } from './document-list.js';

/**
 * Filters, shuffles and splits the persisted samples with the seed, writes the JSONL splits,
 * card and charts, and records the version. Deterministic: the same samples and input give the
 * same files. The documents are the run's list in S3 (`documentListKey`) or, for workflows
 * recorded before the list moved out of history, `documentIds`.
 */
export async function buildDatasetVersion(
  { storage, raw, registry, teacher: teachers }: DatasetActivityDependencies,
  {
    input,
    ...source
  }: {
    documentIds?: string[];
    documentListKey?: string;
    documentList?: DocumentListSlice;
    input: GenerateDatasetInput;
  },
): Promise<DatasetVersionSummary> {
  const documentIds = await documentIdsOf(storage, source);
  const requested = await teachers.resolve(input.teacherModel);
  const prompt = promptHash(input);
  const documents = await raw.byIds(documentIds);
  const currentHash = new Map(
    [...documents.values()].map((document) => [document.id, documentHash(document)]),
  );
  const stored = await registry.findSamples({
    documentIds,
    teacherModel: requested.model,
    promptHash: prompt,
  });
  // Without a chat model on this worker, the provider is known from the persisted answers.
  const teacher = stored[0]?.teacher ?? requested;
  const temperatures = loopTemperatures(input.augmentationLoops, input.temperatureStep);
  const candidates = versionCandidates(stored, {
    currentHash,
    temperatures,
    quality: (documentId) => documents.get(documentId)?.content_quality_score ?? null,
  });
  const { kept, dropped } = filterSamples(candidates, input.maxSummaryChars);
  const splits = shuffleAndSplit(kept, input.splits, input.seed);
  const version = datasetVersionId({
    datasetName: input.datasetName,
    splits: {
      train: splits.train.map((sample) => sample.id),
      validation: splits.validation.map((sample) => sample.id),
      test: splits.test.map((sample) => sample.id),
    },
    teacherModel: teacher.model,
    promptHash: prompt,
  });
  const prefix = datasetVersionPrefix(input.datasetName, version);
  const documentCount = new Set(kept.map((sample) => sample.documentId)).size;
  const sourceFilter = {
    collection: COLLECTIONS.raw,
    minQualityScore: input.minQualityScore,
    minChars: input.minChars,
    limit: input.limit ?? null,
  };
  const settings = {
    maxSummaryChars: input.maxSummaryChars,
    augmentationLoops: input.augmentationLoops,
    temperatures,
    splits: input.splits,
    seed: input.seed,
    studentContextTokens: input.studentContextTokens,
  };
  const counts = {
    train: splits.train.length,
    validation: splits.validation.length,
    test: splits.test.length,
    documents: documentCount,
    dropped,
  };

  // The registry entry first (createdAt set once), so the card a re-run writes is identical.
  const entry = await registry.recordVersion({
    datasetName: input.datasetName,
    version,
    prefix,
    files: Object.values(DATASET_FILES),
    sourceFilter,
    counts,
    teacher,
    promptHash: prompt,
    settings,
  });
  const files = datasetVersionFiles(
    { kept, splits },
    {
      datasetName: input.datasetName,
      version,
      createdAt: (entry?.createdAt ?? new Date()).toISOString(),
      teacher,
      promptHash: prompt,
      systemPrompt: distillationSystemPrompt(input.maxSummaryChars),
      counts,
      documents: documentCount,
      dropped,
      sourceFilter,
      settings,
    },
  );
  for (const file of files)
    await storage.putObject(`${prefix}${file.name}`, file.body, file.contentType);
  log.info('Stored dataset version', { version, prefix, ...counts, dropped: undefined });
  return {
    datasetName: input.datasetName,
    version,
    prefix,
    ...counts,
  };
}
