// Evaluation datasets, results and runs in MongoDB. A dataset version is immutable and keyed by
// `<name>@<version>` (the version derives from the items, so saving the same questions twice
// is one version); results are keyed by (run, item) and runs by their id, so every write is an
// idempotent upsert. FerretDB v1 subset: plain finds, sorts and upserts.
import type { AnswerKind } from '../../domain/agent.js';
import type { Collection, Db } from 'mongodb';
import {
  evaluationDatasetVersion,
  evaluationItemSchema,
  type EvaluationItem,
  type ItemScores,
  type MetricComparison,
  type MetricName,
  type RunMetrics,
} from '../../domain/evaluation.js';
import { COLLECTIONS } from '../../domain/names.js';

export interface EvaluationDatasetRecord {
  _id: string;
  name: string;
  version: string;
  items: EvaluationItem[];
  /** generated (starter questions from the knowledge base) or imported (a file). */
  origin: 'generated' | 'imported';
  /** For generated datasets: how they were made. */
  generation?: { model: string; promptVersion: string; seed: number; chunks: number };
  createdAt: Date;
  /** Set once the version has been synced to an Opik dataset. */
  opik?: { datasetId: string; syncedAt: Date };
}

export interface EvaluationResultRecord {
  _id: string;
  runId: string;
  itemId: string;
  question: string;
  turnId: string;
  conversationId: string;
  answer?: string;
  /** How the agent wrote it (model, quotes, declined); absent on runs before the field. */
  answerKind?: AnswerKind;
  sources?: { n: number; url: string; title: string; documentId?: string }[];
  /** The agent could not answer (the turn failed): no scores. */
  answerError?: string;
  scores?: ItemScores;
  errors?: Partial<Record<MetricName, string>>;
  traceId?: string;
  createdAt: Date;
  scoredAt?: Date;
}

export interface EvaluationRunRecord {
  _id: string;
  datasetName: string;
  datasetVersion: string;
  itemIds: string[];
  status: 'running' | 'completed';
  judge: string;
  settings: { limit: number; concurrency: number; k: number };
  startedAt: Date;
  finishedAt?: Date;
  answered?: number;
  failed?: number;
  metrics?: RunMetrics;
  previousRunId?: string | null;
  comparisons?: MetricComparison[];
  reportPrefix?: string;
  opik?: { experimentId: string; datasetId: string } | { error: string };
}

export function evaluationCollections(db: Db) {
  return {
    datasets: db.collection<EvaluationDatasetRecord>(COLLECTIONS.evaluationDatasets),
    results: db.collection<EvaluationResultRecord>(COLLECTIONS.evaluationResults),
    runs: db.collection<EvaluationRunRecord>(COLLECTIONS.evaluationRuns),
  };
}

/** Stores a dataset version (validating every item); the same items give the same version. */
export async function saveEvaluationDataset(
  db: Db,
  name: string,
  rawItems: readonly unknown[],
  origin: EvaluationDatasetRecord['origin'],
  generation?: EvaluationDatasetRecord['generation'],
): Promise<EvaluationDatasetRecord> {
  const items = rawItems.map((item) => evaluationItemSchema.parse(item));
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) throw new Error(`duplicate item id ${item.id}`);
    ids.add(item.id);
  }
  const version = evaluationDatasetVersion(items);
  const { datasets } = evaluationCollections(db);
  const _id = `${name}@${version}`;
  await datasets.updateOne(
    { _id },
    {
      $setOnInsert: {
        name,
        version,
        items,
        origin,
        ...(generation ? { generation } : {}),
        createdAt: new Date(),
      },
    },
    { upsert: true },
  );
  return (await datasets.findOne({ _id }))!;
}

/** A dataset version by name and version, or the newest version of the name. */
export async function findEvaluationDataset(
  db: Db,
  name: string,
  version?: string,
): Promise<EvaluationDatasetRecord | null> {
  const { datasets } = evaluationCollections(db);
  if (version) return datasets.findOne({ _id: `${name}@${version}` });
  const [latest] = await datasets.find({ name }).sort({ createdAt: -1 }).limit(1).toArray();
  return latest ?? null;
}

/** Completed runs, newest first (optionally of one dataset name). */
export async function listEvaluationRuns(
  db: Db,
  options: { datasetName?: string; limit?: number } = {},
): Promise<EvaluationRunRecord[]> {
  return evaluationCollections(db)
    .runs.find({
      status: 'completed',
      ...(options.datasetName ? { datasetName: options.datasetName } : {}),
    })
    .sort({ finishedAt: -1 })
    .limit(options.limit ?? 20)
    .toArray();
}

export type { Collection };
