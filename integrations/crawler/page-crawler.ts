// The crawler: crawlee's HttpCrawler with the platform's safety rails. Every call builds its own
// Configuration (persistStorage: false) and request queue: crawlee's shared default queue
// remembers URLs it has seen in the process, so a long-lived worker's second run would
// otherwise crawl nothing. Results are streamed to `onOutcome` as they come, so the caller can
// store each page at once and heartbeat its progress.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Configuration, HttpCrawler, Log, LogLevel, RequestQueue } from 'crawlee';
import contentType from 'content-type';
import { boundText, MAX_URL_CHARS } from '../../domain/bounded-text.js';
import type { CrawlFailureReason } from '../../domain/crawl-failure.js';
import { decodeHtml } from './content-extraction.js';
import {
  ExtractionTimeoutError,
  leaseExtractionWorker,
  type ExtractionWorker,
} from './extraction-worker.js';
import { createGuardedAgents } from './guarded-agent.js';
import { HostLimiter } from './host-limiter.js';
import { fetchRobotsTxt, type RobotsRules } from './robots-txt.js';
import { assertUrlAllowed, ForbiddenUrlError } from './ssrf-guard.js';
import { extractPdfText } from './pdf-text.js';

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

export type CrawlOutcome = CrawledPage | CrawlFailure;

class PageTooLargeError extends Error {
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

const quietLog = new Log({ level: LogLevel.OFF, prefix: 'HttpCrawler' });

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Crawls `targets` once each. Every target ends in exactly one outcome (a page or a failure),
 * passed to `onOutcome` before the promise resolves.
 */
export async function crawlPages(
  targets: readonly CrawlTarget[],
  settings: CrawlSettings,
  onOutcome: (outcome: CrawlOutcome) => Promise<void>,
): Promise<void> {
  if (targets.length === 0) return;
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
  if (admitted.length === 0) return;

  // Every connection of this crawl (robots.txt, pages, redirects) goes through these agents.
  const agents = createGuardedAgents(policy);
  const extraction = leaseExtractionWorker();
  try {
    const allowed = settings.respectRobotsTxt
      ? await applyRobotsTxt(admitted, settings, agents, emit)
      : admitted;
    if (allowed.length > 0)
      await runCrawler(allowed, settings, {
        agents,
        extraction: extraction.worker,
        policy,
        emit,
      });
  } finally {
    agents.destroy();
    extraction.release();
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
}

/**
 * Fetches robots.txt once per origin (through the guarded agents, capped and timed like a
 * page), records the disallowed targets as `robots-txt` failures and returns the others.
 */
async function applyRobotsTxt(
  targets: CrawlTarget[],
  settings: CrawlSettings,
  agents: ReturnType<typeof createGuardedAgents>,
  emit: (outcome: CrawlOutcome) => Promise<void>,
): Promise<CrawlTarget[]> {
  const origins = [...new Set(targets.map((target) => new URL(target.url).origin))];
  const rules = new Map<string, RobotsRules>();
  let next = 0;
  const fetchNext = async (): Promise<void> => {
    for (let index = next++; index < origins.length; index = next++) {
      const origin = origins[index]!;
      rules.set(
        origin,
        await fetchRobotsTxt(origin, {
          agents,
          timeoutMs: settings.timeoutSecs * 1000,
          maxRedirects: settings.maxRedirects,
          userAgent: CRAWLER_USER_AGENT,
        }),
      );
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(settings.maxConcurrency, origins.length) }, fetchNext),
  );
  const allowed: CrawlTarget[] = [];
  for (const target of targets) {
    if (rules.get(new URL(target.url).origin)?.isAllowed(target.url) ?? true) {
      allowed.push(target);
      continue;
    }
    await emit({
      kind: 'failure',
      key: target.key,
      url: target.url,
      reason: 'robots-txt',
      message: `Skipped ${target.url}: disallowed by robots.txt`,
      attempts: 0,
    });
  }
  return allowed;
}

/**
 * A stream that passes the decoded body through and fails as soon as more than `limit` bytes
 * came out of the decompressor: a small gzip body can inflate to hundreds of megabytes, and
 * got's download progress counts the compressed bytes only.
 */
function capDecodedBody(response: IncomingMessage, url: string, limit: number): IncomingMessage {
  let total = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > limit) {
        response.destroy();
        callback(new PageTooLargeError(url, limit));
        return;
      }
      callback(null, chunk);
    },
  });
  response.once('error', (error) => capped.destroy(error));
  response.pipe(capped);
  // crawlee reads these from the response it is given.
  for (const property of [
    'statusCode',
    'statusMessage',
    'headers',
    'rawHeaders',
    'httpVersion',
    'url',
    'request',
    'complete',
  ] as const)
    Object.defineProperty(capped, property, {
      get: () => (response as unknown as Record<string, unknown>)[property],
      configurable: true,
    });
  return capped as unknown as IncomingMessage;
}

async function runCrawler(
  admitted: CrawlTarget[],
  settings: CrawlSettings,
  {
    agents,
    extraction,
    policy,
    emit,
  }: {
    agents: ReturnType<typeof createGuardedAgents>;
    extraction: ExtractionWorker;
    policy: { allowedHosts: string[] };
    emit: (outcome: CrawlOutcome) => Promise<void>;
  },
): Promise<void> {
  const configuration = new Configuration({ persistStorage: false, purgeOnStart: true });
  const requestQueue = await RequestQueue.open(`etl-${randomUUID()}`, { config: configuration });
  const limiter = new HostLimiter(settings.perHostConcurrency);
  const slots = new Map<string, () => void>();
  const declaredCharsets = new Map<string, string | undefined>();
  const backoffMs = settings.retryBackoffMs ?? 1_000;
  const releaseSlot = (requestId: string | undefined) => {
    if (!requestId) return;
    slots.get(requestId)?.();
    slots.delete(requestId);
  };
  const keyOf = (request: { userData: Record<string, unknown> }) => request.userData.key as string;

  const crawler = new HttpCrawler(
    {
      requestQueue,
      log: quietLog,
      maxConcurrency: settings.maxConcurrency,
      minConcurrency: Math.max(1, Math.min(settings.maxConcurrency, admitted.length)),
      maxRequestRetries: settings.maxRetries,
      navigationTimeoutSecs: settings.timeoutSecs,
      requestHandlerTimeoutSecs: Math.max(60, settings.timeoutSecs * 2),
      // robots.txt is applied before the crawl, through the guarded agents (applyRobotsTxt).
      respectRobotsTxtFile: false,
      useSessionPool: false,
      persistCookiesPerSession: false,
      // PDFs reach the handler for text extraction; other non-HTML types are refused early.
      additionalMimeTypes: ['application/pdf'],
      statusMessageLoggingInterval: 3_600,
      preNavigationHooks: [
        async ({ request }, gotOptions) => {
          if (request.retryCount > 0)
            await sleep(Math.min(30_000, backoffMs * 2 ** (request.retryCount - 1)));
          await assertUrlAllowed(request.url, policy);
          slots.set(request.id!, await limiter.acquire(hostOf(request.url)));
          // The guarded agents open (and check) every connection, redirects included. HTTP/2
          // and the header generator are off: both open TLS connections of their own (the
          // ALPN probe) outside any agent.
          gotOptions.agent = { http: agents.http, https: agents.https };
          gotOptions.http2 = false;
          (gotOptions as Record<string, unknown>).useHeaderGenerator = false;
          gotOptions.maxRedirects = settings.maxRedirects;
          gotOptions.headers = {
            ...gotOptions.headers,
            'user-agent': CRAWLER_USER_AGENT,
            accept: 'text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8',
            'accept-encoding': 'gzip, deflate, br',
          };
          gotOptions.hooks = {
            beforeRedirect: [
              (options) => {
                const next =
                  options.url instanceof URL ? options.url : new URL(String(options.url));
                if (next.protocol !== 'http:' && next.protocol !== 'https:')
                  throw new ForbiddenUrlError(
                    next.toString(),
                    `redirect to scheme ${next.protocol}`,
                  );
                if (next.toString().length > MAX_URL_CHARS)
                  throw new ForbiddenUrlError(
                    boundText(next.toString(), 200),
                    'redirect to an over-long URL',
                  );
              },
            ],
          };
        },
      ],
      postNavigationHooks: [
        (crawlingContext) => {
          const { request, response } = crawlingContext;
          if (!response) return;
          const length = Number(response.headers['content-length']);
          if (Number.isFinite(length) && length > settings.maxPageBytes) {
            response.destroy();
            throw new PageTooLargeError(request.url, settings.maxPageBytes);
          }
          // The cap counts decoded bytes as they stream (compressed ones would let a gzip
          // bomb through); crawlee reads the body from the capped stream.
          crawlingContext.response = capDecodedBody(response, request.url, settings.maxPageBytes);
          // Decode the charset ourselves (header, then <meta>, then UTF-8): crawlee fails the
          // whole page on a charset it does not know.
          const header = response.headers['content-type'];
          if (typeof header === 'string') {
            try {
              const parsed = contentType.parse(header);
              declaredCharsets.set(request.id!, parsed.parameters.charset);
              response.headers['content-type'] = parsed.type;
            } catch {
              declaredCharsets.set(request.id!, undefined);
            }
          }
        },
      ],
      requestHandler: async ({ request, response, body, contentType: type }) => {
        releaseSlot(request.id);
        const base = {
          key: keyOf(request),
          url: request.url,
          attempts: request.retryCount + 1,
        };
        const statusCode = response.statusCode ?? 0;
        if (statusCode >= 400) {
          await emit({
            kind: 'failure',
            ...base,
            reason: statusCode === 404 || statusCode === 410 ? 'not-found' : 'http-error',
            message: `HTTP ${statusCode} for ${request.url}`,
            statusCode,
          });
          return;
        }
        const finalUrl = request.loadedUrl ?? request.url;
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
        try {
          if (type.type === 'application/pdf') {
            const text = await extractPdfText(bytes);
            await emit({
              kind: 'page',
              ...base,
              finalUrl,
              statusCode,
              contentType: type.type,
              title: decodeURIComponent(new URL(finalUrl).pathname.split('/').pop() ?? ''),
              metaTags: {},
              links: [],
              markdown: text,
            });
            return;
          }
          const html = decodeHtml(bytes, declaredCharsets.get(request.id));
          const page = await extraction.extract(
            html,
            finalUrl,
            (settings.extractionTimeoutSecs ?? 20) * 1000,
          );
          await emit({
            kind: 'page',
            ...base,
            finalUrl,
            statusCode,
            contentType: type.type,
            ...page,
          });
        } catch (error) {
          await emit({
            kind: 'failure',
            ...base,
            reason: 'extraction-error',
            message: boundText(`Could not extract ${request.url}: ${(error as Error).message}`),
          });
        } finally {
          declaredCharsets.delete(request.id);
        }
      },
      errorHandler: ({ request }, error) => {
        releaseSlot(request.id);
        declaredCharsets.delete(request.id);
        if (isPermanentCrawlFailure(classifyCrawlError(error))) request.noRetry = true;
      },
      failedRequestHandler: async ({ request }, error) => {
        releaseSlot(request.id);
        declaredCharsets.delete(request.id);
        await emit({
          kind: 'failure',
          key: keyOf(request),
          url: request.url,
          reason: classifyCrawlError(error),
          // A server's error text (crawlee puts a 5xx JSON `message` here whole) is cut.
          message: boundText(error.message.split('\n')[0] ?? String(error)),
          attempts: request.retryCount + 1,
        });
      },
    },
    configuration,
  );
  await crawler.addRequests(
    admitted.map((target) => ({
      url: target.url,
      uniqueKey: target.key,
      userData: { key: target.key },
      // Do not let crawlee re-encode or normalize: the canonical URL is already decided.
      keepUrlFragment: false,
    })),
  );
  await crawler.run();
  await requestQueue.drop().catch(() => undefined);
  await crawler.teardown().catch(() => undefined);
}
