// One crawl through crawlee's HttpCrawler with the platform's safety rails: SSRF checks on every
// connection and redirect, per-host politeness, capped decoded bodies, our own charset
// decoding, conditional requests, and extraction on the port's shared threads. Every call
// builds its own Configuration (persistStorage: false) and request queue: crawlee's shared
// default queue remembers URLs it has seen in the process, so a long-lived worker's second run
// would otherwise crawl nothing.
import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Configuration,
  HttpCrawler,
  LocalEventManager,
  Log,
  LogLevel,
  RequestQueue,
} from 'crawlee';
import contentType from 'content-type';
import { boundText, MAX_URL_CHARS } from '../../domain/bounded-text.js';
import type { PageValidators } from '../../domain/page-validators.js';
import type { ExtractionPool, ExtractionTime } from './extraction-worker.js';
import {
  classifyCrawlError,
  CRAWLER_USER_AGENT,
  isPermanentCrawlFailure,
  lapTimer,
  PageTooLargeError,
  type CrawlOutcome,
  type CrawlSettings,
  type CrawlTarget,
  type CrawlTimings,
} from './crawl-outcome.js';
import { capDecodedBody } from './decoded-body-cap.js';
import type { createGuardedAgents } from './guarded-agent.js';
import type { HostLimiter } from './host-limiter.js';
import { assertUrlAllowed, ForbiddenUrlError } from './ssrf-guard.js';
import { extractPdfText } from './pdf-text.js';

const quietLog = new Log({ level: LogLevel.OFF, prefix: 'HttpCrawler' });

/**
 * crawlee's event manager without its `ps`: its memory snapshot spawns `ps` for the process
 * tree when a crawl starts (and at every interval), which costs tens of milliseconds of the
 * main thread in a worker with a large resident set, for every crawl batch. The snapshot only
 * feeds autoscaling, and the concurrency here is fixed, so this one reads the process's own
 * resident set instead.
 */
class ProcessEventManager extends LocalEventManager {
  override emitSystemInfoEvent(intervalCallback: () => unknown): Promise<void> {
    this.emit('systemInfo', {
      createdAt: new Date(),
      cpuCurrentUsage: 0,
      isCpuOverloaded: false,
      memTotalBytes: totalmem(),
      memCurrentBytes: process.memoryUsage.rss(),
    });
    intervalCallback();
    return Promise.resolve();
  }
}

/**
 * Every crawlee request queue allocates a deduplication cache of 1,000,000 slots (two 8 MB
 * arrays) that a crawl of at most a few hundred URLs never fills: 128 MB of garbage per
 * 800-page ETL (one queue per batch), and its garbage collections, on the worker's main
 * thread. The cache is direct-mapped and only saves re-submitting a request the queue itself
 * deduplicates (a collision is a harmless miss), so queues get DEDUPLICATION_SLOTS. Should a
 * crawlee release move the internal module, its default stays.
 */
const DEDUPLICATION_SLOTS = 16_384;
function shrinkRequestDeduplicationCache(): void {
  try {
    const require = createRequire(import.meta.url);
    const cacheModule = require(
      path.join(path.dirname(require.resolve('@crawlee/core')), 'storages/request_dedup_cache.js'),
    ) as { RequestDeduplicationCache?: new (size?: number) => object };
    const Cache = cacheModule.RequestDeduplicationCache;
    if (typeof Cache !== 'function' || Cache.length > 1) return;
    cacheModule.RequestDeduplicationCache = class extends Cache {
      constructor(size = DEDUPLICATION_SLOTS) {
        super(size);
      }
    };
  } catch {
    // crawlee's layout changed: keep its default.
  }
}
shrinkRequestDeduplicationCache();

/** crawlee's memory limit (its default share, 1/4 of the machine) without measuring it by `ps`. */
const CRAWLEE_MEMORY_MBYTES = Math.round(totalmem() / 4 / 2 ** 20);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Crawls the admitted targets; fills the crawler's phases into `timings`. */
export async function runCrawler(
  admitted: CrawlTarget[],
  settings: CrawlSettings,
  {
    agents,
    extraction,
    extractionTime,
    hosts,
    policy,
    emit,
    timings,
  }: {
    agents: ReturnType<typeof createGuardedAgents>;
    extraction: ExtractionPool;
    /** This crawl's share of the extraction threads' time. */
    extractionTime: ExtractionTime;
    /** The process's per-host limiter, shared by concurrent crawls. */
    hosts: HostLimiter;
    policy: { allowedHosts: string[] };
    emit: (outcome: CrawlOutcome) => Promise<void>;
    timings: CrawlTimings;
  },
): Promise<void> {
  const lap = lapTimer();
  const configuration = new Configuration({
    persistStorage: false,
    purgeOnStart: true,
    // crawlee measures memory every second by spawning `ps` for the process tree; forking a
    // worker with a 1.4 GB resident set cost it 3.9 s of main-thread CPU in an 800-page ETL
    // (bench/etl, --worker-cpu-prof). The measurement only feeds autoscaling, and the
    // concurrency here is fixed (minConcurrency = maxConcurrency), so it is taken hourly.
    systemInfoIntervalMillis: 3_600_000,
    // Given, so crawlee's memory signal does not measure the machine with `ps` per crawl.
    memoryMbytes: CRAWLEE_MEMORY_MBYTES,
  });
  configuration.useEventManager(new ProcessEventManager(configuration));
  const requestQueue = await RequestQueue.open(`etl-${randomUUID()}`, { config: configuration });
  const slots = new Map<string, () => void>();
  let crawlEnded = false;
  const declaredCharsets = new Map<string, string | undefined>();
  const backoffMs = settings.retryBackoffMs ?? 1_000;
  const releaseSlot = (requestId: string | undefined) => {
    if (!requestId) return;
    slots.get(requestId)?.();
    slots.delete(requestId);
  };
  const keyOf = (request: { userData: Record<string, unknown> }) => request.userData.key as string;
  const validatorsOf = (request: { userData: Record<string, unknown> }) =>
    request.userData.validators as PageValidators | undefined;

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
      // application/octet-stream is what crawlee assumes for a response without Content-Type
      // on an extensionless URL, which a 304 usually is: it passes crawlee's check, and the
      // handler refuses it unless it is a 304.
      additionalMimeTypes: ['application/pdf', 'application/octet-stream'],
      statusMessageLoggingInterval: 3_600,
      preNavigationHooks: [
        async ({ request }, gotOptions) => {
          if (request.retryCount > 0)
            await sleep(Math.min(30_000, backoffMs * 2 ** (request.retryCount - 1)));
          await assertUrlAllowed(request.url, policy);
          const slot = await hosts.acquire(hostOf(request.url), settings.perHostConcurrency);
          // The limiter outlives this crawl (the port shares it), so no slot may leak: one
          // granted after the crawl ended (to an attempt crawlee gave up on) is freed at once,
          // as is one left by an earlier attempt of the same request.
          if (crawlEnded) slot();
          slots.get(request.id!)?.();
          if (!crawlEnded) slots.set(request.id!, slot);
          // The guarded agents open (and check) every connection, redirects included. HTTP/2
          // and the header generator are off: both open TLS connections of their own (the
          // ALPN probe) outside any agent.
          gotOptions.agent = { http: agents.http, https: agents.https };
          gotOptions.http2 = false;
          (gotOptions as Record<string, unknown>).useHeaderGenerator = false;
          gotOptions.maxRedirects = settings.maxRedirects;
          const validators = validatorsOf(request);
          gotOptions.headers = {
            ...gotOptions.headers,
            'user-agent': CRAWLER_USER_AGENT,
            accept: 'text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8',
            'accept-encoding': 'gzip, deflate, br',
            ...(validators?.etag ? { 'if-none-match': validators.etag } : {}),
            ...(validators?.lastModified ? { 'if-modified-since': validators.lastModified } : {}),
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
          if (response.statusCode === 304) return;
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
        if (statusCode === 304) {
          await emit({ kind: 'unchanged', ...base, statusCode });
          return;
        }
        if (type.type === 'application/octet-stream' && statusCode < 400) {
          declaredCharsets.delete(request.id);
          await emit({
            kind: 'failure',
            ...base,
            reason: 'unsupported-content-type',
            message: boundText(
              `Resource ${request.url} served Content-Type application/octet-stream, but only HTML, XML and PDF are allowed.`,
            ),
          });
          return;
        }
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
        const bodyHash = createHash('sha256').update(bytes).digest('hex');
        if (validatorsOf(request)?.bodyHash === bodyHash) {
          declaredCharsets.delete(request.id);
          await emit({ kind: 'unchanged', ...base, statusCode });
          return;
        }
        const headerValue = (name: string) => {
          const value = response.headers[name];
          return typeof value === 'string' && value.length > 0 ? boundText(value, 512) : undefined;
        };
        const validators: PageValidators = {
          ...(headerValue('etag') ? { etag: headerValue('etag') } : {}),
          ...(headerValue('last-modified') ? { lastModified: headerValue('last-modified') } : {}),
          bodyHash,
        };
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
              validators,
            });
            return;
          }
          const page = await extraction.extract(
            { bytes, charset: declaredCharsets.get(request.id) },
            finalUrl,
            (settings.extractionTimeoutSecs ?? 20) * 1000,
            extractionTime,
          );
          await emit({
            kind: 'page',
            ...base,
            finalUrl,
            statusCode,
            contentType: type.type,
            ...page,
            validators,
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
      userData: { key: target.key, validators: target.validators },
      // Do not let crawlee re-encode or normalize: the canonical URL is already decided.
      keepUrlFragment: false,
    })),
  );
  timings.crawlerSetupMs = lap();
  try {
    await crawler.run();
  } finally {
    crawlEnded = true;
    for (const release of slots.values()) release();
    slots.clear();
  }
  timings.crawlerRunMs = lap();
  await requestQueue.drop().catch(() => undefined);
  await crawler.teardown().catch(() => undefined);
  timings.crawlerTeardownMs = lap();
}
