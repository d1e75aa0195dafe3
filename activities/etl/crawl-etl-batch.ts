// The ETL's crawl activity: one batch of the plan, each page stored as soon as it is
// extracted, progress in the heartbeat so a retried attempt crawls only what is left.
import { Context, log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import {
  countReasons,
  crawledEtlDocument,
  failedOutcome,
  unchangedEntry,
  validatorsForRecrawl,
  type StoredDocumentState,
} from '../../domain/etl-documents.js';
import {
  etlKeys,
  type CompactOutcome,
  type EtlBatchResult,
  type EtlPlan,
} from '../../domain/etl.js';
import type { ActivityProgress } from '../../domain/progress.js';
import type { EtlInput } from '../../domain/workflow-inputs.js';
import type { CrawlOutcome, CrawlTimings } from '../../integrations/crawler/page-crawler.js';
import type { EtlDependencies } from './dependencies.js';
import { logBatchTimings } from './batch-timings.js';
import { createPageWriter } from './page-writer.js';
import { storeDocuments } from './stored-documents.js';

/** Crawled pages per bulk insert: each insert is a round trip and a heartbeat. */
const WRITE_BATCH_SIZE = 32;
/**
 * A slow crawl still writes (and records in the heartbeat) what it has this often: at most
 * this much crawling is redone after a crash. At 500 ms an 800-page run made 280 inserts of
 * about 3 pages each (bench/etl, under load).
 */
const FLUSH_INTERVAL_MS = 2_000;

export function createCrawlEtlBatch(dependencies: EtlDependencies) {
  const { storage, raw, crawler, crawlRetryBackoffMs } = dependencies;
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
    const started = performance.now();
    const seconds = (from: number) => Math.round(performance.now() - from) / 1000;
    let firstOutcomeSeconds = 0;
    const [plan, plannedStates] = (await Promise.all([
      storage.getJson(planKey),
      storage.getJson(etlKeys.batchStates(runId, batchIndex)),
    ])) as [EtlPlan | undefined, Array<[string, StoredDocumentState]> | undefined];
    if (!plan) throw new SecondBrainError('notFound', `ETL plan ${planKey} does not exist`);
    const links = plan.links.slice((batchIndex - 1) * batchSize, batchIndex * batchSize);
    const byId = new Map(links.map((link) => [link.id, link]));

    const previous = context.info.heartbeatDetails as { outcomes?: CompactOutcome[] } | undefined;
    const outcomes = new Map<string, CompactOutcome>(
      (previous?.outcomes ?? []).map((outcome) => [outcome.id, outcome]),
    );
    const resumed = outcomes.size > 0;
    if (resumed) log.info('Resuming ETL batch from heartbeat', { batchIndex, done: outcomes.size });
    const heartbeat = () => {
      const all = [...outcomes.values()];
      const failed = all.filter((outcome) => !outcome.ok).length;
      // `progress` is this batch's share of the crawl stage, which clients (the CLI, the
      // Temporal UI's pending activities) add to the workflow's counts while it runs.
      const progress: ActivityProgress = { stage: 'crawl', done: all.length - failed, failed };
      context.heartbeat({ progress, outcomes: all, unchanged, removed });
    };
    // Counts of this and earlier attempts (a retry resumes them with the outcomes).
    const counts = previous as { unchanged?: number; removed?: number } | undefined;
    let unchanged = counts?.unchanged ?? 0;
    let removed = counts?.removed ?? 0;
    const remaining = links.filter((link) => !outcomes.has(link.id));
    // What is stored of each page (its validators make the crawl conditional): as read when
    // the run was planned, or read now by a retried attempt (its predecessor may have stored
    // some pages) and for a plan written before planned states existed. A page stored
    // meanwhile anyway is caught by the insert's duplicate-key path and replaced.
    const known =
      plannedStates && !resumed
        ? new Map(plannedStates)
        : await raw.findStates(remaining.map((link) => link.id));
    const timer = setInterval(heartbeat, 5_000);
    const setupSeconds = seconds(started);

    const writer = createPageWriter(
      async (pages) => {
        const entries = await storeDocuments(dependencies, runId, pages, known);
        for (const entry of entries)
          outcomes.set(entry.id, { id: entry.id, ok: true, stored: entry });
        heartbeat();
      },
      { batchSize: WRITE_BATCH_SIZE, flushIntervalMs: FLUSH_INTERVAL_MS },
    );
    const handle = async (outcome: CrawlOutcome) => {
      firstOutcomeSeconds ||= seconds(crawlStart);
      const link = byId.get(outcome.key)!;
      const state = known.get(outcome.key);
      if (outcome.kind === 'page') {
        writer.push(crawledEtlDocument(outcome, plan, link.parentIds, new Date().toISOString()));
      } else if (outcome.kind === 'unchanged' && state) {
        unchanged++;
        outcomes.set(outcome.key, {
          id: outcome.key,
          ok: true,
          stored: unchangedEntry(state, link),
        });
      } else if (outcome.kind === 'unchanged') {
        // Validators are only sent for stored pages, so this cannot happen; never lose a page.
        throw new SecondBrainError('validation', `${outcome.url} unchanged but not stored`);
      } else {
        if (outcome.reason === 'not-found' && state && !state.archived) {
          // The site removed the page: it leaves the index in this very refresh.
          await raw.markRemoved(outcome.key);
          removed++;
        }
        outcomes.set(outcome.key, failedOutcome(outcome));
        heartbeat();
      }
      await Promise.resolve();
    };
    const crawlStart = performance.now();
    let crawlSeconds = 0;
    let drainSeconds = 0;
    let timings: CrawlTimings | undefined;
    try {
      timings = await crawler.crawl(
        remaining.map((link) => ({
          key: link.id,
          url: link.url,
          validators: validatorsForRecrawl(known.get(link.id), link.parentIds),
        })),
        { ...crawl, retryBackoffMs: crawlRetryBackoffMs },
        handle,
      );
    } finally {
      crawlSeconds = seconds(crawlStart);
      clearInterval(timer);
      const drainStart = performance.now();
      await writer.drain();
      drainSeconds = seconds(drainStart);
      // Stored pages are in the heartbeat even when the attempt fails, so a retry skips them.
      heartbeat();
    }
    writer.check();
    const reportStart = performance.now();
    const all = links.map((link) => outcomes.get(link.id)!).filter(Boolean);
    const failures = all.flatMap((outcome) => (outcome.failure ? [outcome.failure] : []));
    const storedEntries = all.flatMap((outcome) => (outcome.stored ? [outcome.stored] : []));
    await Promise.all([
      storage.putJson(etlKeys.batchFailures(runId, batchIndex), failures),
      storage.putJson(etlKeys.batchStored(runId, batchIndex), storedEntries),
    ]);
    const crawled = storedEntries.length;
    logBatchTimings(batchIndex, timings, {
      setupSeconds,
      firstOutcomeSeconds,
      crawlSeconds,
      writeSeconds: writer.profile.writeSeconds,
      writes: writer.profile.writes,
      drainSeconds,
      reportSeconds: seconds(reportStart),
      totalSeconds: seconds(started),
    });
    return {
      batchIndex,
      targets: links.length,
      crawled,
      failed: failures.length,
      failedByReason: countReasons(failures),
      stored: crawled,
      unchanged,
      removed,
      scoredByHeuristic: storedEntries.filter((entry) => entry.qualityScoreSource === 'heuristic')
        .length,
      resumed,
    };
  };
}
