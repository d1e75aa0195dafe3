// Where one crawl batch's time went, logged as one line: bench/etl sums these lines across
// batches to say which part of the ETL (crawl, extraction, writes, reports) costs what.
import { log } from '@temporalio/activity';
import type { CrawlTimings } from '../../integrations/crawler/page-crawler.js';

export interface BatchSeconds {
  setupSeconds: number;
  firstOutcomeSeconds: number;
  crawlSeconds: number;
  writeSeconds: number;
  writes: number;
  drainSeconds: number;
  reportSeconds: number;
  totalSeconds: number;
}

export function logBatchTimings(
  batchIndex: number,
  timings: CrawlTimings | undefined,
  batch: BatchSeconds,
): void {
  log.info('ETL batch timings', {
    batchIndex,
    setupSeconds: batch.setupSeconds,
    firstOutcomeSeconds: batch.firstOutcomeSeconds,
    crawlSeconds: batch.crawlSeconds,
    robotsTxtSeconds: (timings?.robotsTxtMs ?? 0) / 1000,
    crawlerSetupSeconds: (timings?.crawlerSetupMs ?? 0) / 1000,
    crawlerRunSeconds: (timings?.crawlerRunMs ?? 0) / 1000,
    crawlerTeardownSeconds: (timings?.crawlerTeardownMs ?? 0) / 1000,
    extractionBusySeconds: (timings?.extractionBusyMs ?? 0) / 1000,
    writeSeconds: Math.round(batch.writeSeconds * 1000) / 1000,
    writes: batch.writes,
    drainSeconds: batch.drainSeconds,
    reportSeconds: batch.reportSeconds,
    totalSeconds: batch.totalSeconds,
  });
}
