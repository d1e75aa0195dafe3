// What a crawl is asked to do and what it answers: the settings, one outcome per target (a
// page, an unchanged page, or a failure with its reason), and how an HTTP-stack error maps to
// a reason and whether retrying it can help.
import type { CrawlFailureReason } from '../../domain/crawl-failure.js';
import type { PageValidators } from '../../domain/page-validators.js';
import { ExtractionTimeoutError } from './extraction-worker.js';
import { ForbiddenUrlError } from './ssrf-guard.js';

/** How the crawler names itself (to servers and to robots.txt rules). */
export const CRAWLER_USER_AGENT = 'Mozilla/5.0 (compatible; SecondBrainCrawler/1.0)';

export interface CrawlSettings {
  maxConcurrency: number;
  perHostConcurrency: number;
  timeoutSecs: number;
  /** Retries after the first attempt, for 5xx, timeouts and network errors. */
  maxRetries: number;
  maxPageBytes: number;
  maxRedirects: number;
  respectRobotsTxt: boolean;
  /** `host` or `host:port` entries that may resolve to loopback or private addresses. */
  allowedHosts: string[];
  /** Time budget of one page's DOM extraction (default 20 s). */
  extractionTimeoutSecs?: number;
  /** First retry delay; doubles on each further retry (capped at 30 s). */
  retryBackoffMs?: number;
}

export interface CrawlTarget {
  /** The caller's key for this URL (the document id). */
  key: string;
  url: string;
  /** The stored version's validators: sent as a conditional request, or compared with the body. */
  validators?: PageValidators;
}

export type { CrawlFailureReason };

export interface CrawledPage {
  kind: 'page';
  key: string;
  url: string;
  /** The URL after redirects. */
  finalUrl: string;
  statusCode: number;
  contentType: string;
  title: string;
  metaTags: Record<string, string | null>;
  links: string[];
  markdown: string;
  /** What identifies this version of the page for the next crawl. */
  validators: PageValidators;
  attempts: number;
}

/** The page is the version the target's validators describe: nothing was extracted. */
export interface CrawlUnchanged {
  kind: 'unchanged';
  key: string;
  url: string;
  /** 304 (the server said so) or 200 (same body hash). */
  statusCode: number;
  attempts: number;
}

export interface CrawlFailure {
  kind: 'failure';
  key: string;
  url: string;
  reason: CrawlFailureReason;
  message: string;
  attempts: number;
  statusCode?: number;
}

export type CrawlOutcome = CrawledPage | CrawlUnchanged | CrawlFailure;

/** Where one crawl's wall-clock time went (milliseconds), for benchmarks and logs. */
export interface CrawlTimings {
  /** URL checks before anything is fetched. */
  admissionMs: number;
  robotsTxtMs: number;
  /** Request queue, crawler and requests set up. */
  crawlerSetupMs: number;
  /** crawlee's run, from its start to its last request handled. */
  crawlerRunMs: number;
  crawlerTeardownMs: number;
  /** Time the extraction thread spent on this crawl's pages. */
  extractionBusyMs: number;
}

/** A stopwatch for CrawlTimings: each call returns the milliseconds since the previous one. */
export function lapTimer(): () => number {
  let mark = performance.now();
  return () => {
    const now = performance.now();
    const elapsed = now - mark;
    mark = now;
    return Math.round(elapsed);
  };
}

export class PageTooLargeError extends Error {
  constructor(url: string, limit: number) {
    super(`${url} is larger than the ${limit}-byte page limit`);
    this.name = 'PageTooLargeError';
  }
}

const PERMANENT_REASONS = new Set<CrawlFailureReason>([
  'not-found',
  'http-error',
  'too-many-redirects',
  'too-large',
  'unsupported-content-type',
  'forbidden-address',
  'robots-txt',
  'extraction-error',
]);

/** Maps whatever the HTTP stack threw to a failure reason. */
export function classifyCrawlError(error: unknown): CrawlFailureReason {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (
    error instanceof ForbiddenUrlError ||
    code === 'ERR_SSRF_FORBIDDEN' ||
    /Refused to fetch/.test(message)
  )
    return 'forbidden-address';
  if (
    name === 'MaxRedirectsError' ||
    code === 'ERR_TOO_MANY_REDIRECTS' ||
    /Redirected \d+ times/.test(message)
  )
    return 'too-many-redirects';
  if (error instanceof PageTooLargeError || /page limit/.test(message)) return 'too-large';
  if (/served Content-Type/.test(message)) return 'unsupported-content-type';
  if (error instanceof ExtractionTimeoutError) return 'extraction-error';
  if (/timed? ?out|ETIMEDOUT|TimeoutError/i.test(`${name} ${message}`)) return 'timeout';
  if (/^5\d\d - /.test(message)) return 'server-error';
  return 'network-error';
}

export function isPermanentCrawlFailure(reason: CrawlFailureReason): boolean {
  return PERMANENT_REASONS.has(reason);
}
