// The ETL's activities. Page content never leaves them: the crawler's results go straight to
// MongoDB (`raw`) and S3, and the workflow only sees counts, ids and keys. Every write is keyed
// by the document id with a content fingerprint, so a retried or resumed attempt rewrites the
// same documents instead of duplicating them.
import { createCrawlEtlBatch } from './crawl-etl-batch.js';
import type { EtlDependencies } from './dependencies.js';
import { createDescribeEtlScoringModel } from './describe-etl-scoring-model.js';
import { createFinishEtlRun } from './finish-etl-run.js';
import { createPrepareEtlRun } from './prepare-etl-run.js';
import { createScoreEtlBatchWithLlm } from './score-etl-batch-with-llm.js';

export type { EtlDependencies } from './dependencies.js';

/** The composition root builds every dependency, the raw store too (shared with rag and dataset). */
export function createEtlActivities(dependencies: EtlDependencies) {
  return {
    prepareEtlRun: createPrepareEtlRun(dependencies),
    crawlEtlBatch: createCrawlEtlBatch(dependencies),
    scoreEtlBatchWithLlm: createScoreEtlBatchWithLlm(dependencies),
    finishEtlRun: createFinishEtlRun(dependencies),
    describeEtlScoringModel: createDescribeEtlScoringModel(dependencies),
  };
}
