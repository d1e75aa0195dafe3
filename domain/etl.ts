// Shared shapes of the ETL pipeline: what its activities return and what the workflow reports.
// Only small facts (counts, ids, S3 keys) travel through workflow history; page content goes
// from the crawler straight to MongoDB and S3 inside activities.
import type { CrawlFailureReason } from './crawl-failure.js';
import type { DocumentMetadata } from './document.js';
import type { QualityScoreSource } from './quality-scoring.js';

export type EtlFailureReason = CrawlFailureReason | 'invalid-document';

/** Where a stored document's score came from: the source document itself, or a stage. */
export type EtlScoreSource = QualityScoreSource | 'source' | null;

/** One document a run stored, as listed in S3 and in the run's snapshot. */
export interface StoredEntry {
  id: string;
  url: string;
  source: string | undefined;
  contentHash: string;
  content_quality_score: number | null;
  qualityScoreSource: EtlScoreSource;
}

/** The crawl plan in S3: every unique canonical link with all its parents. */
export interface EtlPlan {
  runId: string;
  /** Metadata of every source document that links somewhere, by id. */
  parents: Record<string, DocumentMetadata>;
  links: Array<{ id: string; url: string; parentIds: string[] }>;
}

export interface EtlFailureEntry {
  url: string;
  id: string;
  reason: EtlFailureReason;
  message: string;
  attempts: number;
}

/** One crawl target's result as a batch's heartbeat records it (what a retry skips). */
export interface CompactOutcome {
  id: string;
  ok: boolean;
  stored?: StoredEntry;
  failure?: EtlFailureEntry;
}

export interface EtlPlanSummary {
  planKey: string;
  documentsIn: number;
  /** Source documents that failed the document schema (listed in the failure report). */
  invalidDocuments: number;
  linksFound: number;
  invalidLinks: number;
  uniqueLinks: number;
  batchCount: number;
  /** Source (Notion/imported) documents upserted into `raw`. */
  sourceDocumentsStored: number;
  sourceScoredByHeuristic: number;
}

export interface EtlBatchResult {
  batchIndex: number;
  targets: number;
  crawled: number;
  failed: number;
  failedByReason: Partial<Record<EtlFailureReason, number>>;
  stored: number;
  /** Of the stored, pages the site said (304) or showed (same bytes) were unchanged. */
  unchanged: number;
  /** Stored pages the site now answers 404/410 for: marked archived, out of the index. */
  removed: number;
  scoredByHeuristic: number;
  /** True when the batch resumed from an earlier attempt's heartbeat. */
  resumed: boolean;
}

export interface EtlLlmBatchResult {
  scored: number;
  /** Replies that were not valid {score, reason}: those documents keep null. */
  invalidReplies: number;
  remaining: number;
}

export interface EtlFinishResult {
  snapshotKey: string;
  failureReportKey: string;
  /** Documents in `raw` written by this run (source documents and crawled pages). */
  storedTotal: number;
  /** Of those, documents whose score stayed null. */
  unscored: number;
}

export type EtlStage = 'planning' | 'crawling' | 'scoring' | 'finishing' | 'done';

export interface EtlProgress {
  stage: EtlStage;
  crawl: { done: number; failed: number; pending: number; total: number };
  batches: { done: number; total: number };
  scoring: { heuristic: number; llm: number; pending: number };
}

export interface EtlResult {
  runId: string;
  documentsIn: number;
  invalidDocuments: number;
  linksFound: number;
  uniqueLinks: number;
  crawled: number;
  failed: number;
  failedByReason: Partial<Record<EtlFailureReason, number>>;
  scoredByHeuristic: number;
  scoredByLlm: number;
  /** Why the LLM stage did not run, when it did not (scores then stay null). */
  llmSkipped: string | null;
  invalidLlmReplies: number;
  unscored: number;
  stored: number;
  storedSourceDocuments: number;
  storedCrawledPages: number;
  /** Crawled pages found unchanged (304, or the same bytes): kept as stored, not extracted. */
  unchangedPages: number;
  /** Stored pages the site now answers 404/410 for: marked archived, out of the index. */
  removedPages: number;
  snapshotKey: string;
  failureReportKey: string;
  continuedAsNew: number;
}

/** The ETL's S3 keys, under runs/etl/<runId>/. */
export const etlKeys = {
  plan: (runId: string) => `runs/etl/${runId}/plan.json`,
  batchFailures: (runId: string, batchIndex: number) =>
    `runs/etl/${runId}/failures/batch-${String(batchIndex).padStart(5, '0')}.json`,
  batchStored: (runId: string, batchIndex: number) =>
    `runs/etl/${runId}/stored/batch-${String(batchIndex).padStart(5, '0')}.json`,
  /** What `raw` held of a batch's pages when the run was planned (see prepareEtlRun). */
  batchStates: (runId: string, batchIndex: number) =>
    `runs/etl/${runId}/states/batch-${String(batchIndex).padStart(5, '0')}.json`,
  failureReport: (runId: string) => `runs/etl/${runId}/failure-report.json`,
  snapshot: (runId: string) => `runs/etl/${runId}/snapshot.json`,
};
