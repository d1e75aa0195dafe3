import {
  continueAsNew,
  defineQuery,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createEtlActivities } from '../activities/etl/index.js';
import type {
  EtlBatchResult,
  EtlFailureReason,
  EtlPlanSummary,
  EtlProgress,
  EtlResult,
} from '../domain/etl.js';
import type { EtlInput } from '../domain/workflow-inputs.js';
import { parseInput } from './parse-input.js';

type EtlActivities = ReturnType<typeof createEtlActivities>;

/**
 * With `parallelBatches` above 1, the next batch starts as soon as any batch finishes (a
 * sliding window) rather than when the whole window has: the crawler never sits idle while
 * the slowest batch of a window finishes its last pages and writes. Histories recorded before
 * it scheduled whole windows and replay that way.
 */
export const SLIDING_CRAWL_WINDOW_PATCH = 'etl-sliding-crawl-window';

/** done / failed / pending by stage; `second-brain run etl --wait` shows it as a progress bar. */
export const etlProgressQuery = defineQuery<EtlProgress>('progress');

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 20,
};

const planning = proxyActivities<Pick<EtlActivities, 'prepareEtlRun' | 'finishEtlRun'>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry,
});

// A crawl batch heartbeats at least every 5 s; a dead worker is noticed within the heartbeat
// timeout and the retry resumes from the last heartbeat's details. Batches go through the task
// queue, never eagerly to the worker running the workflow: eager dispatch (on in the embedded
// server) would put every batch of a run on that one worker however many workers poll.
const crawling = proxyActivities<Pick<EtlActivities, 'crawlEtlBatch'>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry,
  allowEagerDispatch: false,
});

const scoring = proxyActivities<
  Pick<EtlActivities, 'scoreEtlBatchWithLlm' | 'describeEtlScoringModel'>
>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '5 minutes',
  retry: { ...retry, nonRetryableErrorTypes: ['ValidationError'] },
});

interface EtlTotals {
  crawled: number;
  failed: number;
  failedByReason: Partial<Record<EtlFailureReason, number>>;
  scoredByHeuristic: number;
  stored: number;
  /** Absent in continuations recorded before conditional recrawls. */
  unchanged?: number;
  removed?: number;
}

/** What one execution hands the next when it continues as new (small: counts only). */
export interface EtlContinuation {
  input: EtlInput;
  plan: EtlPlanSummary;
  nextBatch: number;
  totals: EtlTotals;
  continuedAsNew: number;
}

function addBatch(totals: EtlTotals, batch: EtlBatchResult): void {
  totals.crawled += batch.crawled;
  totals.failed += batch.failed;
  totals.stored += batch.stored;
  totals.scoredByHeuristic += batch.scoredByHeuristic;
  totals.unchanged = (totals.unchanged ?? 0) + (batch.unchanged ?? 0);
  totals.removed = (totals.removed ?? 0) + (batch.removed ?? 0);
  for (const [reason, count] of Object.entries(batch.failedByReason) as Array<
    [EtlFailureReason, number]
  >)
    totals.failedByReason[reason] = (totals.failedByReason[reason] ?? 0) + count;
}

/**
 * The ETL: read the collected documents, crawl every unique link once in heartbeating batches,
 * store each page in `raw` with a heuristic score, score the undecided with the LLM, and write
 * a snapshot and a failure report to S3. Only counts and keys pass through history.
 */
export async function etl(
  rawInput: unknown = {},
  continuation?: EtlContinuation,
): Promise<EtlResult> {
  const runId = workflowInfo().workflowId;
  const progress: EtlProgress = {
    stage: 'planning',
    crawl: { done: 0, failed: 0, pending: 0, total: 0 },
    batches: { done: 0, total: 0 },
    scoring: { heuristic: 0, llm: 0, pending: 0 },
  };
  setHandler(etlProgressQuery, () => progress);

  const input = continuation?.input ?? (await parseInput('etl', rawInput));
  const plan =
    continuation?.plan ??
    // Summaries make the event history in the Temporal UI read as a story.
    (await planning.prepareEtlRun.executeWithOptions(
      { summary: 'Read the collected documents, deduplicate their links, plan crawl batches' },
      [{ runId, source: input.source, batchSize: input.crawl.batchSize }],
    ));
  const totals: EtlTotals = continuation?.totals ?? {
    crawled: 0,
    failed: plan.invalidDocuments,
    failedByReason: plan.invalidDocuments > 0 ? { 'invalid-document': plan.invalidDocuments } : {},
    scoredByHeuristic: plan.sourceScoredByHeuristic,
    stored: plan.sourceDocumentsStored,
  };
  const updateCrawlProgress = (nextBatch: number) => {
    const done = totals.crawled + totals.failed - plan.invalidDocuments;
    progress.stage = 'crawling';
    progress.crawl = {
      done: totals.crawled,
      failed: totals.failed - plan.invalidDocuments,
      pending: plan.uniqueLinks - done,
      total: plan.uniqueLinks,
    };
    progress.batches = { done: nextBatch - 1, total: plan.batchCount };
    progress.scoring.heuristic = totals.scoredByHeuristic;
  };

  let nextBatch = continuation?.nextBatch ?? 1;
  let batchesThisExecution = 0;
  updateCrawlProgress(nextBatch);
  const crawlBatch = (batchIndex: number) =>
    crawling.crawlEtlBatch.executeWithOptions(
      { summary: `Crawl, convert and store link batch ${batchIndex} of ${plan.batchCount}` },
      [
        {
          runId,
          planKey: plan.planKey,
          batchIndex,
          batchSize: input.crawl.batchSize,
          crawl: input.crawl,
        },
      ],
    );
  const continueLater = () => {
    log.info('ETL continues as new', { nextBatch, history: workflowInfo().historyLength });
    return continueAsNew<typeof etl>(rawInput, {
      input,
      plan,
      nextBatch,
      totals,
      continuedAsNew: (continuation?.continuedAsNew ?? 0) + 1,
    });
  };
  if (input.crawl.parallelBatches > 1 && patched(SLIDING_CRAWL_WINDOW_PATCH)) {
    // Up to parallelBatches batches in flight; each completion starts the next one.
    let batchesDone = 0;
    const running = new Set<Promise<void>>();
    const launchable = () =>
      nextBatch <= plan.batchCount && batchesThisExecution < input.batchesPerExecution;
    while (launchable() || running.size > 0) {
      while (launchable() && running.size < input.crawl.parallelBatches) {
        const batchIndex = nextBatch++;
        batchesThisExecution++;
        const done: Promise<void> = crawlBatch(batchIndex).then((result) => {
          addBatch(totals, result);
          batchesDone++;
          running.delete(done);
          updateCrawlProgress((continuation?.nextBatch ?? 1) + batchesDone);
        });
        running.add(done);
      }
      await Promise.race(running);
    }
    // Every batch below nextBatch is done: a continuation starts exactly there.
    if (nextBatch <= plan.batchCount) return continueLater();
  } else {
    while (nextBatch <= plan.batchCount) {
      if (batchesThisExecution >= input.batchesPerExecution) return continueLater();
      const window: number[] = [];
      for (
        let batch = nextBatch;
        batch <= plan.batchCount &&
        window.length < input.crawl.parallelBatches &&
        batchesThisExecution + window.length < input.batchesPerExecution;
        batch++
      )
        window.push(batch);
      const results = await Promise.all(window.map(crawlBatch));
      for (const result of results) addBatch(totals, result);
      nextBatch += window.length;
      batchesThisExecution += window.length;
      updateCrawlProgress(nextBatch);
    }
  }

  // LLM scoring of what the heuristic left undecided.
  progress.stage = 'scoring';
  let scoredByLlm = 0;
  let invalidLlmReplies = 0;
  let llmSkipped: string | null = null;
  if (!input.scoring.useLlm) llmSkipped = 'scoring.useLlm is false';
  else {
    const model = await scoring.describeEtlScoringModel.executeWithOptions(
      { summary: 'Check that the quality-scoring model is available' },
      [{ model: input.scoring.model }],
    );
    if (!model.available) llmSkipped = model.reason;
    else {
      for (let offset = 0; ; offset += input.scoring.batchSize) {
        const batch = await scoring.scoreEtlBatchWithLlm.executeWithOptions(
          { summary: `Score undecided pages with the LLM (from ${offset})` },
          [{ runId, batchCount: plan.batchCount, offset, limit: input.scoring.batchSize }],
        );
        scoredByLlm += batch.scored;
        invalidLlmReplies += batch.invalidReplies;
        progress.scoring = {
          heuristic: totals.scoredByHeuristic,
          llm: scoredByLlm,
          pending: batch.remaining,
        };
        if (batch.remaining === 0) break;
      }
    }
  }
  if (llmSkipped)
    log.info('LLM quality scoring skipped; undecided scores stay null', { llmSkipped });

  progress.stage = 'finishing';
  const finished = await planning.finishEtlRun.executeWithOptions(
    { summary: 'Write the snapshot and the failure report' },
    [{ runId, batchCount: plan.batchCount, refreshScores: llmSkipped === null }],
  );
  progress.stage = 'done';
  return {
    runId,
    documentsIn: plan.documentsIn,
    invalidDocuments: plan.invalidDocuments,
    linksFound: plan.linksFound,
    uniqueLinks: plan.uniqueLinks,
    crawled: totals.crawled,
    failed: totals.failed,
    failedByReason: totals.failedByReason,
    scoredByHeuristic: totals.scoredByHeuristic,
    scoredByLlm,
    llmSkipped,
    invalidLlmReplies,
    unscored: finished.unscored,
    stored: finished.storedTotal,
    storedSourceDocuments: plan.sourceDocumentsStored,
    storedCrawledPages: totals.crawled,
    unchangedPages: totals.unchanged ?? 0,
    removedPages: totals.removed ?? 0,
    snapshotKey: finished.snapshotKey,
    failureReportKey: finished.failureReportKey,
    continuedAsNew: continuation?.continuedAsNew ?? 0,
  };
}
