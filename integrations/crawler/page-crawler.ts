// The crawler: every target admitted (SSRF policy, robots.txt), crawled through crawlee with
// the platform's safety rails (crawlee-crawler.ts), and exactly one outcome per target
// streamed to `onOutcome` as it comes, so the caller can store each page at once and
// heartbeat its progress. Activities receive it as a port (`PageCrawler`), built once per
// worker process in the composition root.
import { availableParallelism } from 'node:os';
import { boundText } from '../../domain/bounded-text.js';
import { runCrawler } from './crawlee-crawler.js';
import { ExtractionPool, type ExtractionTime } from './extraction-worker.js';
import {
  classifyCrawlError,
  lapTimer,
  type CrawlOutcome,
  type CrawlSettings,
  type CrawlTarget,
  type CrawlTimings,
} from './crawl-outcome.js';
import { createGuardedAgents } from './guarded-agent.js';
import { HostLimiter } from './host-limiter.js';
import { applyRobotsTxt } from './robots-admission.js';
import { assertUrlAllowed } from './ssrf-guard.js';

export * from './crawl-outcome.js';

/**
 * Crawls `targets` once each. Every target ends in exactly one outcome (a page or a failure),
 * passed to `onOutcome` before the promise resolves, which answers where the time went.
 */
async function crawlPages(
  targets: readonly CrawlTarget[],
  settings: CrawlSettings,
  onOutcome: (outcome: CrawlOutcome) => Promise<void>,
  shared: { extraction: ExtractionPool; hosts: HostLimiter },
  order = 0,
): Promise<CrawlTimings> {
  const timings: CrawlTimings = {
    admissionMs: 0,
    robotsTxtMs: 0,
    crawlerSetupMs: 0,
    crawlerRunMs: 0,
    crawlerTeardownMs: 0,
    extractionBusyMs: 0,
  };
  if (targets.length === 0) return timings;
  const lap = lapTimer();
  const policy = { allowedHosts: settings.allowedHosts };
  const pending = new Map(targets.map((target) => [target.key, target]));
  const emit = async (outcome: CrawlOutcome) => {
    if (!pending.delete(outcome.key)) return;
    await onOutcome(outcome);
  };

  // Refuse forbidden URLs early, with a clear reason (the agents would refuse them anyway).
  const admitted: CrawlTarget[] = [];
  await Promise.all(
    targets.map(async (target) => {
      try {
        await assertUrlAllowed(target.url, policy);
        admitted.push(target);
      } catch (error) {
        const reason = classifyCrawlError(error);
        await emit({
          kind: 'failure',
          key: target.key,
          url: target.url,
          reason: reason === 'forbidden-address' ? reason : 'network-error',
          message: boundText((error as Error).message),
          attempts: 1,
        });
      }
    }),
  );
  timings.admissionMs = lap();
  if (admitted.length === 0) return timings;

  // Every connection of this crawl (robots.txt, pages, redirects) goes through these agents.
  const agents = createGuardedAgents(policy);
  const extractionTime: ExtractionTime = { busyMs: 0, order };
  try {
    const allowed = settings.respectRobotsTxt
      ? await applyRobotsTxt(admitted, settings, agents, emit)
      : admitted;
    timings.robotsTxtMs = lap();
    if (allowed.length > 0)
      await runCrawler(allowed, settings, {
        agents,
        extraction: shared.extraction,
        extractionTime,
        hosts: shared.hosts,
        policy,
        emit,
        timings,
      });
  } finally {
    timings.extractionBusyMs = Math.round(extractionTime.busyMs);
    agents.destroy();
  }

  // Anything crawlee dropped without telling us is still accounted for.
  for (const target of [...pending.values()])
    await emit({
      kind: 'failure',
      key: target.key,
      url: target.url,
      reason: 'network-error',
      message: `${target.url} finished without a result`,
      attempts: 0,
    });
  return timings;
}
/** The crawler as activities receive it: a port built once per worker process. */
export interface PageCrawler {
  /** Crawls `targets` once each (see crawlPages). */
  crawl(
    targets: readonly CrawlTarget[],
    settings: CrawlSettings,
    onOutcome: (outcome: CrawlOutcome) => Promise<void>,
  ): Promise<CrawlTimings>;
}

/**
 * The real crawler (crawlee over HTTP). Its extraction threads and per-host limits are shared
 * by every crawl made through it, so build one per process: concurrent crawls (two batches
 * at once) then use the same CPU and send a host no more requests than one crawl would. By
 * default one thread per core but one, which leaves a core to the event loop and the
 * databases (one thread on a 2-core machine).
 */
export function createPageCrawler(options: { extractionThreads?: number } = {}): PageCrawler {
  const shared = {
    extraction: new ExtractionPool(
      options.extractionThreads ?? Math.max(1, availableParallelism() - 1),
    ),
    hosts: new HostLimiter(),
  };
  // Crawls are numbered as they start: the extraction threads serve earlier crawls first.
  let crawls = 0;
  return {
    crawl: (targets, settings, onOutcome) =>
      crawlPages(targets, settings, onOutcome, shared, crawls++),
  };
}
