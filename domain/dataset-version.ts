// What the dataset activities and the workflow exchange (ids, counts and keys only: no content
// in workflow history), and the deterministic ids of samples and versions.
import { createHash } from 'node:crypto';

export interface DistillationSettings {
  maxSummaryChars: number;
  augmentationLoops: number;
  temperatureStep: number;
  studentContextTokens: number;
  teacherModel?: string;
}

export interface DistillBatchResult {
  /** Teacher answers generated (and persisted) by this batch. */
  generated: number;
  /** Answers already persisted by an earlier attempt or run: not paid for again. */
  reused: number;
  /** Documents skipped with the reason (missing, refused by the model...); the rest proceed. */
  failed: { documentId: string; reason: string }[];
}

/**
 * Where a run's document ids are: in S3 (`key`, a JSON array; the workflow passes the key and
 * slices of it), or, in histories recorded before the list moved out, the ids themselves.
 */
export interface DocumentListSlice {
  key: string;
  offset: number;
  limit: number;
}

export interface PlannedDocumentList {
  /** S3 key of the id list (datasetDocumentListKey). */
  listKey: string;
  count: number;
  considered: number;
}

export interface DatasetVersionSummary {
  datasetName: string;
  version: string;
  /** S3 prefix holding the files. */
  prefix: string;
  train: number;
  validation: number;
  test: number;
  documents: number;
  dropped: Record<string, number>;
}

export interface GenerateDatasetResult {
  version: string;
  train: number;
  validation: number;
  test: number;
  datasetName: string;
  prefix: string;
  documents: number;
  generated: number;
  reused: number;
  failedDocuments: number;
  hub?: { repo: string; committed: boolean; commitOid: string | undefined };
}

/**
 * The key of one persisted teacher answer: the document's content (by hash), the loop and its
 * temperature, the teacher and the prompt. Any change to one of them is a new LLM call; anything
 * else (a re-run, a retry, a resumed worker) finds the answer already paid for.
 */
export function sampleKey(parts: {
  contentHash: string;
  loop: number;
  temperature: number;
  teacherModel: string;
  promptHash: string;
}): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        parts.contentHash,
        parts.loop,
        parts.temperature,
        parts.teacherModel,
        parts.promptHash,
      ]),
    )
    .digest('hex');
}

/** A version id derived from what the version contains: the same inputs give the same id. */
export function datasetVersionId(parts: {
  datasetName: string;
  splits: { train: string[]; validation: string[]; test: string[] };
  teacherModel: string;
  promptHash: string;
}): string {
  return `v-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12)}`;
}
