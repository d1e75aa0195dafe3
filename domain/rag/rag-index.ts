// Shapes the ragIndex workflow and its activities exchange: ids, counts and settings only, never
// chunk text or vectors (those stay in MongoDB).
import type { RagIndexInput } from '../workflow-inputs.js';

export type RagIndexSettings = RagIndexInput;

/** Documents one indexing activity handles; small enough that a retry redoes little. */
export const DOCUMENTS_PER_ACTIVITY = 25;

export interface RagIndexPlan {
  buildVersion: string;
  servingVersion: string | null;
  /** True when the serving index already matches the raw documents and settings. */
  upToDate: boolean;
  fullRebuild: boolean;
  embedding: { provider: string; modelId: string; dimensions: number };
  documents: {
    /** In `raw` and not archived. */
    total: number;
    selected: number;
    skippedByQuality: number;
    changed: number;
    unchanged: number;
    removed: number;
  };
  batches: number;
}

export interface RagBatchResult {
  documents: number;
  /** Documents already complete in this build (a retried activity). */
  resumed: number;
  failed: Array<{ documentId: string; reason: string }>;
  chunks: number;
  parents: number;
  /** Texts sent to the embedding model. */
  embedded: number;
  /** Vectors reused because the same text was embedded by the same model before. */
  reusedEmbeddings: number;
  contextsGenerated: number;
  contextsCached: number;
}

export interface RagActivation {
  indexVersion: string;
  chunkCount: number;
  documentCount: number;
  deletedRecords: number;
}

export interface RagIndexResult {
  indexVersion: string;
  previousVersion: string | null;
  upToDate: boolean;
  fullRebuild: boolean;
  embedding: RagIndexPlan['embedding'];
  documents: RagIndexPlan['documents'] & { failed: RagBatchResult['failed'] };
  chunks: number;
  copiedRecords: number;
  embedded: number;
  reusedEmbeddings: number;
  contextsGenerated: number;
  contextsCached: number;
  chunkCount: number;
}
