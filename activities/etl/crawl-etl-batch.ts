// The ETL's crawl activity: one batch of the plan, each page stored as soon as it is
// extracted, progress in the heartbeat so a retried attempt crawls only what is left.
import { Context, log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import { countReasons, crawledEtlDocument, type EtlDocument } from '../../domain/etl-documents.js';
import {
  etlKeys,
  type CompactOutcome,
  type EtlBatchResult,
  type EtlPlan,
} from '../../domain/etl.js';
import type { EtlInput } from '../../domain/workflow-inputs.js';
import { crawlPages, type CrawlOutcome } from '../../integrations/crawler/page-crawler.js';
import type { EtlDependencies } from './dependencies.js';
import { storeDocuments } from './stored-documents.js';

/** Crawled pages per bulk upsert. */
const WRITE_BATCH_SIZE = 16;

export function createCrawlEtlBatch(dependencies: EtlDependencies) {
  const { storage, crawlRetryBackoffMs } = dependencies;
  /**
   * Crawls one batch of the plan (batch numbers start at 1). Each page is stored as soon as it
   * is extracted, and the heartbeat records what is done: a retried attempt (after a worker
   * crash, say) resumes from those details and crawls only what is left.
   */
  return async function crawlEtlBatch({
    runId,
    planKey,
    batchIndex,
    batchSize,
    crawl,
  }: {
    runId: string;
    planKey: string;
    batchIndex: number;
    batchSize: number;
    crawl: EtlInput['crawl'];
  }): Promise<EtlBatchResult> {
    const context = Context.current();
    const plan = (await storage.getJson(planKey)) as EtlPlan | undefined;
    if (!plan) throw new SecondBrainError('notFound', `ETL plan ${planKey} does not exist`);
    const links = plan.links.slice((batchIndex - 1) * batchSize, batchIndex * batchSize);
    const byId = new Map(links.map((link) => [link.id, link]));

    const previous = context.info.heartbeatDetails as { outcomes?: CompactOutcome[] } | undefined;
    const outcomes = new Map<string, CompactOutcome>(
      (previous?.outcomes ?? []).map((outcome) => [outcome.id, outcome]),
    );
    const resumed = outcomes.size > 0;
    if (resumed) log.info('Resuming ETL batch from heartbeat', { batchIndex, done: outcomes.size });
    const heartbeat = () => context.heartbeat({ outcomes: [...outcomes.values()] });
    const timer = setInterval(heartbeat, 5_000);

    // Pages are written in small bulk upserts by one writer loop, so the crawler never
    // waits on the database; a page counts as done (in the heartbeat) once it is stored.
    let buffer: EtlDocument[] = [];
    let writing: Promise<void> = Promise.resolve();
    let writeError: Error | undefined;
    const flush = () => {
      if (buffer.length === 0) return writing;
      const pages = buffer;
      buffer = [];
      writing = writing.then(async () => {
        if (writeError) return;
        try {
          for (const entry of await storeDocuments(dependencies, runId, pages))
            outcomes.set(entry.id, { id: entry.id, ok: true, stored: entry });
          heartbeat();
        } catch (error) {
          writeError =
            error instanceof Error ? error : new Error(`upsert failed: ${String(error)}`);
        }
      });
      return writing;
    };
    const handle = async (outcome: CrawlOutcome) => {
      const link = byId.get(outcome.key)!;
      if (outcome.kind === 'page') {
        buffer.push(crawledEtlDocument(outcome, plan, link.parentIds, new Date().toISOString()));
        if (buffer.length >= WRITE_BATCH_SIZE) void flush();
      } else {
        outcomes.set(outcome.key, {
          id: outcome.key,
          ok: false,
          failure: {
            url: outcome.url,
            id: outcome.key,
            reason: outcome.reason,
            message: outcome.message,
            attempts: outcome.attempts,
          },
        });
        heartbeat();
      }
      await Promise.resolve();
    };
    const flushTimer = setInterval(() => void flush(), 500);
    try {
      await crawlPages(
        links
          .filter((link) => !outcomes.has(link.id))
          .map((link) => ({ key: link.id, url: link.url })),
        { ...crawl, retryBackoffMs: crawlRetryBackoffMs },
        handle,
      );
    } finally {
      clearInterval(timer);
      clearInterval(flushTimer);
      await flush();
      // Stored pages are in the heartbeat even when the attempt fails, so a retry skips them.
      heartbeat();
    }
    if (writeError) throw writeError;
    const all = links.map((link) => outcomes.get(link.id)!).filter(Boolean);
    const failures = all.flatMap((outcome) => (outcome.failure ? [outcome.failure] : []));
    await storage.putJson(etlKeys.batchFailures(runId, batchIndex), failures);
    const storedEntries = all.flatMap((outcome) => (outcome.stored ? [outcome.stored] : []));
    await storage.putJson(etlKeys.batchStored(runId, batchIndex), storedEntries);
    const crawled = storedEntries.length;
    return {
      batchIndex,
      targets: links.length,
      crawled,
      failed: failures.length,
      failedByReason: countReasons(failures),
      stored: crawled,
      scoredByHeuristic: storedEntries.filter((entry) => entry.qualityScoreSource === 'heuristic')
        .length,
      resumed,
    };
  };
}
