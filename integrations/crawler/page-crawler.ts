// The crawler: crawlee's HttpCrawler with the platform's safety rails. Every call builds its own
// Configuration (persistStorage: false) and request queue: crawlee's shared default queue
// remembers URLs it has seen in the process, so a long-lived worker's second run would
// otherwise crawl nothing. Results are streamed to `onOutcome` as they come, so the caller can
// store each page at once and heartbeat its progress.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Configuration, HttpCrawler, Log, LogLevel, RequestQueue } from 'crawlee';
import contentType from 'content-type';
import { extractPage, decodeHtml } from './content-extraction.js';
import { HostLimiter } from './host-limiter.js';
import {
  assertUrlAllowed,
  createGuardedLookup,
  ForbiddenUrlError,
  isAllowedHost,
  isForbiddenAddress,
} from './ssrf-guard.js';
import { extractPdfText } from './pdf-text.js';
import { isIP } from 'node:net';

export interface CrawlSettings {
  maxConcurrency: number;
  perHostConcurrency: number;
  timeoutSecs: number;
  /** Retries after the first attempt, for 5xx, timeouts and network errors. */
  maxRetries: number;
  maxPageBytes: number;
  maxRedirects: number;
  respectRobotsTxt: boolean;
  allowedHosts: string[];
  /** First retry delay; doubles on each further retry (capped at 30 s). */
  retryBackoffMs?: number;
}

export interface CrawlTarget {
  /** The caller's key for this URL (the document id). */
  key: string;
  url: string;
}

export const CRAWL_FAILURE_REASONS = [
  'not-found',
  'http-error',
  'server-error',
  'timeout',
  'too-many-redirects',
  'too-large',
  'unsupported-content-type',
  'forbidden-address',
  'robots-txt',
  'network-error',
  'extraction-error',
] as const;

export type CrawlFailureReason = (typeof CRAWL_FAILURE_REASONS)[number];

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

  // Refuse forbidden URLs before crawlee sees them (its robots.txt fetch would reach them).
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
          message: (error as Error).message,
          attempts: 1,
        });
      }
    }),
  );
  if (admitted.length === 0) return;

  const configuration = new Configuration({ persistStorage: false, purgeOnStart: true });
  const requestQueue = await RequestQueue.open(`etl-${randomUUID()}`, { config: configuration });
  const limiter = new HostLimiter(settings.perHostConcurrency);
  const slots = new Map<string, () => void>();
  const declaredCharsets = new Map<string, string | undefined>();
  const guardedLookup = createGuardedLookup(policy);
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
      respectRobotsTxtFile: settings.respectRobotsTxt,
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
          gotOptions.dnsLookup = guardedLookup;
          gotOptions.maxRedirects = settings.maxRedirects;
          gotOptions.headers = { ...gotOptions.headers, 'accept-encoding': 'gzip, deflate, br' };
          gotOptions.hooks = {
            beforeRedirect: [
              (options) => {
                // Host names are checked by the guarded DNS lookup; IP literals never reach DNS.
                const next =
                  options.url instanceof URL ? options.url : new URL(String(options.url));
                const host = next.hostname.replace(/^\[(.*)\]$/, '$1');
                if (next.protocol !== 'http:' && next.protocol !== 'https:')
                  throw new ForbiddenUrlError(
                    next.toString(),
                    `redirect to scheme ${next.protocol}`,
                  );
                if (isIP(host) && !isAllowedHost(host, policy) && isForbiddenAddress(host))
                  throw new ForbiddenUrlError(next.toString(), `redirect to local address ${host}`);
              },
            ],
          };
        },
      ],
      postNavigationHooks: [
        ({ request, response }) => {
          if (!response) return;
          const length = Number(response.headers['content-length']);
          if (Number.isFinite(length) && length > settings.maxPageBytes) {
            response.destroy();
            throw new PageTooLargeError(request.url, settings.maxPageBytes);
          }
          response.on('downloadProgress', ({ transferred }: { transferred: number }) => {
            if (transferred > settings.maxPageBytes)
              response.destroy(new PageTooLargeError(request.url, settings.maxPageBytes));
          });
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
          const page = extractPage(html, finalUrl);
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
            message: `Could not extract ${request.url}: ${(error as Error).message}`,
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
          message: error.message.split('\n')[0] ?? String(error),
          attempts: request.retryCount + 1,
        });
      },
      onSkippedRequest: async ({ url, reason }) => {
        const target = admitted.find((candidate) => candidate.url === url);
        if (!target) return;
        await emit({
          kind: 'failure',
          key: target.key,
          url,
          reason: reason === 'robotsTxt' ? 'robots-txt' : 'http-error',
          message: `Skipped ${url}: ${reason === 'robotsTxt' ? 'disallowed by robots.txt' : reason}`,
          attempts: 0,
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
