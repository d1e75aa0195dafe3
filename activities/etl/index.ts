// The ETL's activities. Page content never leaves them: the crawler's results go straight to
// MongoDB (`raw`) and S3, and the workflow only sees counts, ids and keys. Every write is keyed
// by the document id with a content fingerprint, so a retried or resumed attempt rewrites the
// same documents instead of duplicating them.
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { rawDocumentStore } from '../../integrations/mongo/stores/raw-documents.js';
import { createCrawlEtlBatch } from './crawl-etl-batch.js';
import type { EtlDependencies } from './dependencies.js';
import { createDescribeEtlScoringModel } from './describe-etl-scoring-model.js';
import { createFinishEtlRun } from './finish-etl-run.js';
import { createPrepareEtlRun } from './prepare-etl-run.js';
import { createScoreEtlBatchWithLlm } from './score-etl-batch-with-llm.js';

export type { EtlDependencies } from './dependencies.js';

/** What the composition root passes: the ETL's dependencies, with MongoDB for the raw store. */
export type EtlActivityDependencies = Omit<EtlDependencies, 'raw'> & { mongo: MongoDatabase };

export function createEtlActivities({ mongo, ...rest }: EtlActivityDependencies) {
  const dependencies: EtlDependencies = { ...rest, raw: rawDocumentStore(mongo) };
  return {
    prepareEtlRun: createPrepareEtlRun(dependencies),
    crawlEtlBatch: createCrawlEtlBatch(dependencies),
    scoreEtlBatchWithLlm: createScoreEtlBatchWithLlm(dependencies),
    finishEtlRun: createFinishEtlRun(dependencies),
    describeEtlScoringModel: createDescribeEtlScoringModel(dependencies),
  };
}
