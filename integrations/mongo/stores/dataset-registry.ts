// The dataset registry's stored shapes and their one owner: one record per dataset version in
// `datasets` (keyed `<name>@<version>`, so re-building the same version updates one record),
// and every persisted teacher answer in `dataset_samples` (keyed by sampleKey, so a retried or
// re-run distillation finds the answer already paid for). The dataset activities, the training
// activities and the tests read and write them through here.
import type { Collection } from 'mongodb';
import { COLLECTIONS } from '../../../domain/names.js';
import type { MongoDatabase } from '../mongo-database.js';

/** One dataset version in the registry (collection datasets). */
export interface DatasetRegistryEntry {
  _id: string;
  datasetName: string;
  version: string;
  prefix: string;
  files: string[];
  sourceFilter: {
    collection: string;
    minQualityScore: number;
    minChars: number;
    limit: number | null;
  };
  counts: {
    train: number;
    validation: number;
    test: number;
    documents: number;
    dropped: Record<string, number>;
  };
  teacher: { provider: string; model: string };
  promptHash: string;
  settings: Record<string, unknown>;
  createdAt: Date;
  hub?: { repo: string; commitOid: string | undefined; publishedAt: Date };
}

/** One persisted teacher answer (collection dataset_samples). */
export interface StoredSample {
  _id: string;
  documentId: string;
  contentHash: string;
  loop: number;
  temperature: number;
  teacher: { provider: string; model: string };
  promptHash: string;
  instruction: string;
  answer: string;
  finishReason: string;
  usage: { promptTokens: number; completionTokens: number };
  createdAt: Date;
  /** LLM calls paid for this answer: 1, unless an answer was regenerated. */
  generations: number;
}

export type SampleFields = Omit<StoredSample, '_id' | 'generations'>;

export function datasetEntryId(datasetName: string, version: string): string {
  return `${datasetName}@${version}`;
}

export interface DatasetRegistry {
  /** Upserts the version's record (createdAt set once) and returns it as stored. */
  recordVersion(
    entry: Omit<DatasetRegistryEntry, '_id' | 'createdAt' | 'hub'>,
  ): Promise<DatasetRegistryEntry | null>;
  recordPublication(
    datasetName: string,
    version: string,
    hub: { repo: string; commitOid: string | undefined },
  ): Promise<void>;
  /** A version's record, or the newest version of the dataset when `version` is omitted. */
  findVersion(datasetName: string, version?: string): Promise<DatasetRegistryEntry | null>;
  hasSample(id: string): Promise<boolean>;
  /** Stores an answer; the first one persisted wins, so a racing retry changes nothing. */
  storeSample(id: string, sample: SampleFields): Promise<void>;
  /** The persisted answers of `documentIds` by one teacher and prompt. */
  findSamples(query: {
    documentIds: readonly string[];
    teacherModel: string;
    promptHash: string;
  }): Promise<StoredSample[]>;
}

export function createDatasetRegistry(mongo: MongoDatabase): DatasetRegistry {
  const registry: Collection<DatasetRegistryEntry> = mongo.db.collection(COLLECTIONS.datasets);
  const samples: Collection<StoredSample> = mongo.db.collection(COLLECTIONS.datasetSamples);
  return {
    async recordVersion(entry) {
      const _id = datasetEntryId(entry.datasetName, entry.version);
      await registry.updateOne(
        { _id },
        { $set: entry, $setOnInsert: { createdAt: new Date() } },
        { upsert: true },
      );
      return registry.findOne({ _id });
    },
    async recordPublication(datasetName, version, hub) {
      await registry.updateOne(
        { _id: datasetEntryId(datasetName, version) },
        { $set: { hub: { ...hub, publishedAt: new Date() } } },
      );
    },
    async findVersion(datasetName, version) {
      if (version !== undefined)
        return registry.findOne({ _id: datasetEntryId(datasetName, version) });
      const [newest] = await registry
        .find({ datasetName })
        .sort({ createdAt: -1 })
        .limit(1)
        .toArray();
      return newest ?? null;
    },
    async hasSample(id) {
      return (await samples.countDocuments({ _id: id }, { limit: 1 })) > 0;
    },
    async storeSample(id, sample) {
      await samples.updateOne(
        { _id: id },
        // Counts the calls paid for this key: anything above 1 is a regenerated answer.
        { $setOnInsert: sample, $inc: { generations: 1 } },
        { upsert: true },
      );
    },
    findSamples({ documentIds, teacherModel, promptHash }) {
      return samples
        .find({ documentId: { $in: [...documentIds] }, 'teacher.model': teacherModel, promptHash })
        .toArray();
    },
  };
}
