// ETL throughput benchmark (not a timed test): the `etl` workflow through Temporal against a
// plain in-process script doing the same crawl, extraction and Markdown on the same pages, in
// the same run. Pages: Debian's postgresql-doc-15 HTML (about 1,100 real pages, installed with
// apt if missing), served on 127.0.0.1.
//
//   node --import tsx bench/etl/run.ts [--pages 800] [--runs 3] [--concurrency 16]
//                                      [--batch-size 100] [--parallel-batches 1]
//
// Prints a Markdown table and writes bench/results/etl-<timestamp>.json.
//
// Fairness: every timed run is a first crawl for both paths. Before each ETL run the `raw`
// collection is dropped, so the ETL's conditional GETs and unchanged-page skipping (meant for
// refreshes) have nothing to skip; the bench checks that each run stored every page and found
// none unchanged. One untimed warm-up of each path (about 100 pages) comes first, so cold JIT
// and disk caches do not decide the figure, and the order of the two paths alternates by run.
import '../../config/quiet-sdk-warnings.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../config/environment.js';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import { documentKey, runManifestKey } from '../../domain/storage-layout.js';
import { findFreePort } from '../../infra/managed-process.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import { crawlPages, type CrawlSettings } from '../../integrations/crawler/page-crawler.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import { canonicalizeUrl } from '../../domain/url-canonicalization.js';
import { documentIdForUrl } from '../../domain/document.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HTML_DIRECTORY = '/usr/share/doc/postgresql-doc-15/html';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function say(message: string): void {
  process.stderr.write(`[bench etl] ${message}\n`);
}

function ensurePostgresDocs(): void {
  if (existsSync(HTML_DIRECTORY)) return;
  say('installing postgresql-doc-15 with apt-get');
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
  for (const command of [
    [...asRoot, 'apt-get', 'update'],
    [...asRoot, 'apt-get', 'install', '-y', 'postgresql-doc-15'],
  ]) {
    const result = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command.join(' ')} failed`);
  }
}

async function serveDirectory(directory: string) {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.css': 'text/css',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
  };
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = path.join(directory, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(directory) || !existsSync(file) || pathname.endsWith('/')) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': types[path.extname(file)] ?? 'application/octet-stream',
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function peakRssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kilobytes / 1024);
}

/** The worker's stderr so far: its activity logs carry each crawl batch's timings. */
let workerLog = '';

/**
 * Sums the `ETL batch timings` log lines in `text` (the crawl activity's own split of its
 * seconds: reading stored states, crawling with the writes overlapped, writing, S3 reports).
 */
function batchTimings(text: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const chunk of text.split('ETL batch timings').slice(1)) {
    const line = chunk.split(/\[(?:INFO|WARN|ERROR|DEBUG)\]/)[0]!;
    for (const [, name, value] of line.matchAll(/(\w+Seconds): ([\d.]+)/g))
      totals[name!] = Math.round(((totals[name!] ?? 0) + Number(value)) * 10) / 10;
  }
  return totals;
}

async function startWorker(environment: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [path.join(repositoryRoot, 'bin/second-brain.mjs'), 'worker', 'offline'],
    {
      cwd: repositoryRoot,
      env: environment,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      workerLog += chunk.toString();
      if (workerLog.includes('Offline worker polling')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${workerLog}`)));
  });
  return child;
}

/** Seconds spent in each activity type, from the workflow's history (where the time goes). */
async function activitySeconds(handle: {
  fetchHistory(): Promise<{ events?: unknown[] | null }>;
}): Promise<Record<string, number>> {
  const history = (await handle.fetchHistory()) as { events?: Array<Record<string, unknown>> };
  const scheduled = new Map<string, { type: string; time: number }>();
  const totals: Record<string, number> = {};
  const seconds = (event: Record<string, unknown>) => {
    const time = event.eventTime as { seconds?: { toNumber(): number } | number; nanos?: number };
    const whole = typeof time.seconds === 'number' ? time.seconds : (time.seconds?.toNumber() ?? 0);
    return whole + (time.nanos ?? 0) / 1e9;
  };
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    const attributes = event.activityTaskScheduledEventAttributes as
      { activityType?: { name?: string } } | undefined;
    if (attributes)
      scheduled.set(id, { type: attributes.activityType?.name ?? '?', time: seconds(event) });
    const completed = event.activityTaskCompletedEventAttributes as
      { scheduledEventId?: unknown } | undefined;
    if (completed) {
      const start = scheduled.get(String(completed.scheduledEventId));
      if (start)
        totals[start.type] =
          Math.round(((totals[start.type] ?? 0) + seconds(event) - start.time) * 10) / 10;
    }
  }
  return totals;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const pageCount = option('pages', 800);
  const runs = option('runs', 3);
  const concurrency = option('concurrency', 16);
  const batchSize = option('batch-size', 100);
  const parallelBatches = option('parallel-batches', 1);
  ensurePostgresDocs();
  const pages = readdirSync(HTML_DIRECTORY)
    .filter((name) => name.endsWith('.html'))
    .sort()
    .slice(0, pageCount);
  if (pages.length < 750) throw new Error(`only ${pages.length} pages available`);

  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-bench-'));
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    SECOND_BRAIN_DATA_DIR: dataDirectory,
    SECOND_BRAIN_TOOLS_DIR:
      process.env.SECOND_BRAIN_TOOLS_DIR ?? path.join(repositoryRoot, '.tools'),
    TEMPORAL_PORT: String(await findFreePort()),
    TEMPORAL_UI_PORT: String(await findFreePort()),
    LOCAL_MONGODB_PORT: String(await findFreePort()),
    LOCAL_S3_PORT: String(await findFreePort()),
    MONGODB_DATABASE: 'second_brain_bench',
    S3_BUCKET: 'second-brain-bench',
    CI: 'true',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'MONGODB_URI', 'S3_ENDPOINT'])
    delete environment[name];
  const config: Config = loadConfig(environment, repositoryRoot);
  const site = await serveDirectory(HTML_DIRECTORY);
  let worker: ChildProcess | undefined;
  try {
    say(`starting servers under ${dataDirectory}`);
    await infrastructureUp(config, say);
    const storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    // Notion-style documents, 20 links each, covering every page once (plus some repeats).
    const urls = pages.map((name) => `${site.origin}/${name}`);
    const documentCount = Math.ceil(urls.length / 20);
    const documentIds: string[] = [];
    for (let index = 0; index < documentCount; index++) {
      const id = randomBytes(16).toString('hex');
      documentIds.push(id);
      const childUrls = urls.slice(index * 20, index * 20 + 20);
      // Every fifth document also links its neighbour's first page, with tracking parameters.
      if (index % 5 === 0 && urls[(index + 1) * 20])
        childUrls.push(`${urls[(index + 1) * 20]}?utm_source=notion`);
      await storage.putJson(documentKey(id), {
        id,
        metadata: {
          id,
          url: `https://www.notion.so/Bench-${id}`,
          title: `Bench page ${index}`,
          properties: { Type: 'Leaf' },
        },
        parent_metadata: null,
        content: `# Bench page ${index}\n\nReading list.`,
        content_quality_score: null,
        summary: null,
        child_urls: childUrls,
        source: 'notion',
      });
    }
    say(`${documentCount} documents link ${urls.length} pages; starting the offline worker`);
    worker = await startWorker(environment);
    const client = await connectClient(config);
    const settings: CrawlSettings = {
      maxConcurrency: concurrency,
      perHostConcurrency: concurrency,
      timeoutSecs: 30,
      maxRetries: 3,
      maxPageBytes: 5_000_000,
      maxRedirects: 5,
      respectRobotsTxt: true,
      allowedHosts: ['127.0.0.1'],
    };
    const mongo = await connectMongo(config.mongodb);
    const targetsOf = (list: string[]) =>
      list.map((url) => {
        const canonical = canonicalizeUrl(url)!;
        return { key: documentIdForUrl(canonical), url: canonical };
      });
    /** The plain script: the same crawl, extraction and Markdown, nothing stored. */
    const runPlain = async (list: string[]) => {
      let plainPages = 0;
      const start = performance.now();
      await crawlPages(targetsOf(list), settings, async (outcome) => {
        if (outcome.kind === 'page' && outcome.markdown.length > 0) plainPages++;
        await Promise.resolve();
      });
      return { pages: plainPages, seconds: (performance.now() - start) / 1000 };
    };
    /** The `etl` workflow as a first crawl: nothing stored in `raw` beforehand. */
    const runTemporal = async (source: { kind: 'all' } | { kind: 'import'; runId: string }) => {
      await mongo.db
        .collection(COLLECTIONS.raw)
        .drop()
        .catch(() => undefined);
      const logStart = workerLog.length;
      const start = performance.now();
      const handle = await startPipeline(client, 'etl', {
        input: {
          source,
          crawl: { ...settings, batchSize, parallelBatches },
          scoring: { useLlm: false },
        },
        trigger: 'bench',
      });
      const result = (await handle.result()) as EtlResult;
      const seconds = (performance.now() - start) / 1000;
      if (result.unchangedPages > 0)
        throw new Error(
          `the ETL found ${result.unchangedPages} pages unchanged: not a first crawl`,
        );
      return {
        result,
        seconds,
        stages: await activitySeconds(handle),
        batches: batchTimings(workerLog.slice(logStart)),
      };
    };

    // Warm-up (untimed): the first five documents' pages through each path.
    const warmupRunId = 'bench-warmup';
    await storage.putJson(runManifestKey('import', warmupRunId), {
      documents: documentIds.slice(0, 5),
    });
    const warmupPlain = await runPlain(urls.slice(0, 100));
    const warmupTemporal = await runTemporal({ kind: 'import', runId: warmupRunId });
    say(
      `warm-up: plain ${warmupPlain.pages} pages in ${warmupPlain.seconds.toFixed(1)} s; ` +
        `temporal ${warmupTemporal.result.crawled} pages in ${warmupTemporal.seconds.toFixed(1)} s`,
    );

    const temporalRates: number[] = [];
    const plainRates: number[] = [];
    const rows: Array<Record<string, unknown>> = [];
    for (let run = 1; run <= runs; run++) {
      // Odd runs start with the plain script, even runs with the workflow.
      const temporalFirst = run % 2 === 0;
      const loadAverageBefore = os.loadavg()[0]!;
      let temporal: Awaited<ReturnType<typeof runTemporal>> | undefined;
      if (temporalFirst) temporal = await runTemporal({ kind: 'all' });
      const plain = await runPlain(urls);
      if (!temporalFirst) temporal = await runTemporal({ kind: 'all' });
      const { result, seconds: temporalSeconds, stages, batches } = temporal!;
      if (result.crawled < plain.pages)
        throw new Error(`the ETL stored ${result.crawled} pages, the plain script ${plain.pages}`);
      const plainRate = plain.pages / plain.seconds;
      const temporalRate = result.crawled / temporalSeconds;
      plainRates.push(plainRate);
      temporalRates.push(temporalRate);
      const loadAverage = os.loadavg()[0]!;
      rows.push({
        run,
        order: temporalFirst ? 'temporal, plain' : 'plain, temporal',
        plainPages: plain.pages,
        plainSeconds: plain.seconds,
        plainRate,
        temporalPages: result.crawled,
        temporalUnchanged: result.unchangedPages,
        temporalSeconds,
        temporalRate,
        ratio: temporalRate / plainRate,
        failed: result.failed,
        activitySeconds: stages,
        crawlBatchSeconds: batches,
        loadAverageBefore,
        loadAverageAfter: loadAverage,
      });
      say(
        `run ${run} (${temporalFirst ? 'temporal first' : 'plain first'}, load ${loadAverageBefore.toFixed(2)} -> ${loadAverage.toFixed(2)}): ` +
          `plain ${plain.pages} pages in ${plain.seconds.toFixed(1)} s (${plainRate.toFixed(1)}/s); ` +
          `temporal ${result.crawled} pages in ${temporalSeconds.toFixed(1)} s (${temporalRate.toFixed(1)}/s), ${result.failed} failed, ${result.unchangedPages} unchanged; ` +
          `ratio ${(temporalRate / plainRate).toFixed(2)}x; activity seconds ${JSON.stringify(stages)}; crawl batches ${JSON.stringify(batches)}`,
      );
    }
    const workerPeakRss = peakRssMegabytes(worker.pid!);
    const rawCount = await mongo.db.collection(COLLECTIONS.raw).countDocuments();
    await mongo.close();
    const loadAverages = rows.map((row) => row.loadAverageAfter as number);
    const summary = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`,
      pages: urls.length,
      documents: documentCount,
      runs,
      concurrency,
      batchSize,
      parallelBatches,
      plainMedianPagesPerSecond: median(plainRates),
      temporalMedianPagesPerSecond: median(temporalRates),
      ratio: median(temporalRates) / median(plainRates),
      /** Per-run ratios, so a noisy machine shows as spread rather than hiding in the medians. */
      runRatios: rows.map((row) => row.ratio as number),
      loadAverageOneMinute: { min: Math.min(...loadAverages), max: Math.max(...loadAverages) },
      workerPeakRssMb: workerPeakRss,
      rawDocuments: rawCount,
      rows,
    };
    mkdirSync(path.join(repositoryRoot, 'bench/results'), { recursive: true });
    const file = path.join(
      repositoryRoot,
      'bench/results',
      `etl-${summary.date.replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(
      [
        `| Path | Median pages/s (${runs} runs) |`,
        '| --- | --- |',
        `| Plain in-process script | ${summary.plainMedianPagesPerSecond.toFixed(1)} |`,
        `| \`etl\` workflow through Temporal | ${summary.temporalMedianPagesPerSecond.toFixed(1)} |`,
        '',
        `Ratio ${summary.ratio.toFixed(2)}x (runs: ${summary.runRatios.map((ratio) => ratio.toFixed(2)).join(', ')}); load average ${summary.loadAverageOneMinute.min.toFixed(2)}-${summary.loadAverageOneMinute.max.toFixed(2)}; worker peak RSS ${workerPeakRss} MB; ${urls.length} pages, ${summary.machine}. Details: ${path.relative(repositoryRoot, file)}`,
        '',
      ].join('\n'),
    );
    await client.connection.close();
    storage.close();
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker!.once('exit', resolve));
    }
    site.server.close();
    await infrastructureDown(config).catch(() => undefined);
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench etl] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
