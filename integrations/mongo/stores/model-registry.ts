// The model registry and its one owner (collection `models`): one document per fine-tuned model
// (repo and revision), with its loss curve, ROUGE evaluations, the S3 keys of its card and
// chart, and whether the card reached the Hub. The fine-tune pipeline writes it; the summarizer
// endpoint reads the newest entry to know what to serve.
import type { Collection } from 'mongodb';
import type { SummarizerEvaluation } from '../../../domain/model-card.js';
import { COLLECTIONS } from '../../../domain/names.js';
import type { TrainingConfig } from '../../../domain/training-config.js';
import type { TrainingMetric } from '../../../domain/training-log.js';
import type { TrainingBackendName } from '../../training/training-backend.js';
import type { MongoDatabase } from '../mongo-database.js';

export interface ModelEvaluations {
  fineTuned: SummarizerEvaluation | null;
  teacher: SummarizerEvaluation | null;
}

export interface ModelFiles {
  card: string;
  lossChart: string;
  metrics: string;
}

export interface ModelCardState {
  pushed: boolean;
  repo: string | null;
  commitOid: string | null;
}

/** One registered model (collection models). */
export interface ModelRegistryEntry {
  _id: string;
  repoId: string;
  revision: string | null;
  workflowId: string;
  launchKey: string;
  jobId: string;
  backend: TrainingBackendName;
  flavor: string;
  dataset: { name: string; version: string; hubRepo: string | null };
  config: TrainingConfig;
  lossCurve: TrainingMetric[];
  steps: number;
  finalLoss: number | null;
  evaluation: ModelEvaluations;
  files: ModelFiles;
  card: ModelCardState;
  createdAt: Date;
}

/** What a registration writes; the card state and creation time are set on the first one only. */
export type ModelRegistration = Omit<ModelRegistryEntry, '_id' | 'files' | 'card' | 'createdAt'>;

export interface ModelRegistry {
  /** Upserts the model (a retry rewrites the same entry) and returns it as stored. */
  register(modelId: string, registration: ModelRegistration): Promise<ModelRegistryEntry>;
  find(modelId: string): Promise<ModelRegistryEntry | null>;
  /** The most recently registered model, if any. */
  newest(): Promise<ModelRegistryEntry | null>;
  recordFiles(modelId: string, files: ModelFiles): Promise<void>;
  recordCard(modelId: string, card: ModelCardState): Promise<void>;
}

export function modelsCollection(mongo: MongoDatabase): Collection<ModelRegistryEntry> {
  return mongo.db.collection<ModelRegistryEntry>(COLLECTIONS.models);
}

export function createModelRegistry(mongo: MongoDatabase): ModelRegistry {
  const models = modelsCollection(mongo);
  return {
    async register(modelId, registration) {
      await models.updateOne(
        { _id: modelId },
        {
          $set: registration,
          $setOnInsert: {
            card: { pushed: false, repo: null, commitOid: null },
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
      return (await models.findOne({ _id: modelId }))!;
    },
    find: (modelId) => models.findOne({ _id: modelId }),
    async newest() {
      return (await models.find({}).sort({ createdAt: -1 }).limit(1).toArray())[0] ?? null;
    },
    async recordFiles(modelId, files) {
      await models.updateOne({ _id: modelId }, { $set: { files } });
    },
    async recordCard(modelId, card) {
      await models.updateOne({ _id: modelId }, { $set: { card } });
    },
  };
}
