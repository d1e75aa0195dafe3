// ETL throughput benchmark (not a timed test): the `etl` workflow through Temporal against a
// plain in-process script doing the same crawl, extraction and Markdown on the same pages, in
// the same run. Pages: Debian's postgresql-doc-15 HTML (about 1,100 real pages, installed with
// apt if missing), served on 127.0.0.1 by a process of their own for both paths (a site in the
// plain script's own process would hand it pages without a cross-process wake-up).
//
//   node --import tsx bench/etl/run.ts [--pages 800] [--runs 3] [--concurrency 16]
//                                      [--batch-size 200] [--parallel-batches 2]
//                                      [--worker-cpu-prof <directory>]
//
// Prints a Markdown table and writes bench/results/etl-<timestamp>.json.
//
// Fairness: every timed run is a first crawl for both paths. Before each ETL run the `raw`
// collection is dropped, so the ETL's conditional GETs and unchanged-page skipping (meant for
// refreshes) have nothing to skip; the bench checks that each run stored every page and found
// none unchanged. One untimed warm-up of each path (about 100 pages) comes first, so cold JIT
// and disk caches do not decide the figure, and the order of the two paths alternates by run.
// The ETL crawls two batches at a time (a sliding window) through its worker's one crawler
// port, whose extraction threads and per-host connection limit are shared by both batches:
// the same threads and connections as the plain script's single crawl.
import '../../config/quiet-sdk-warnings.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../config/environment.js';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { documentIdForUrl } from '../../domain/document.js';
import type { EtlResult } from '../../domain/etl.js';
import { etlInputSchema } from '../../domain/workflow-inputs.js';
import { COLLECTIONS } from '../../domain/names.js';
import { runManifestKey } from '../../domain/storage-layout.js';
import { canonicalizeUrl } from '../../domain/url-canonicalization.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import { createPageCrawler } from '../../integrations/crawler/page-crawler.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import {
  privateInfrastructureEnvironment,
  repositoryRoot,
} from '../support/private-infrastructure.js';
import { writeBenchDocuments } from './bench-documents.js';
import {
  benchCrawlSettings,
  ensurePostgresDocs,
  manualPages,
  serveManualInOwnProcess,
} from './postgres-docs-site.js';
import { cpuSecondsBetween, cpuSecondsByTree, machineCpuSeconds } from './process-cpu.js';
import { activitySeconds, batchTimings } from './workflow-timings.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function say(message: string): void {
  process.stderr.write(`[bench etl] ${message}\n`);
}

function peakRssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kilobytes / 1024);
}

/** The worker's stderr so far: its activity logs carry each crawl batch's timings. */
let workerLog = '';

/** `--worker-cpu-prof <directory>`: the worker writes a V8 CPU profile there when it stops. */
function workerCpuProfileDirectory(): string[] {
  const index = process.argv.indexOf('--worker-cpu-prof');
  const directory = index === -1 ? undefined : process.argv[index + 1];
  return directory ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(directory)] : [];
}

async function startWorker(environment: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...workerCpuProfileDirectory(),
      path.join(repositoryRoot, 'bin/second-brain.mjs'),
      'worker',
      'offline',
    ],
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

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const pageCount = option('pages', 800);
  const runs = option('runs', 3);
  const concurrency = option('concurrency', 16);
  // The product's defaults unless asked otherwise, so the bench measures what users run.
  const defaults = etlInputSchema.parse({}).crawl;
  const batchSize = option('batch-size', defaults.batchSize);
  const parallelBatches = option('parallel-batches', defaults.parallelBatches);
  ensurePostgresDocs(say);
  const pages = manualPages(pageCount);
  if (pages.length < 750) throw new Error(`only ${pages.length} pages available`);

  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-bench-'));
  const environment = await privateInfrastructureEnvironment(dataDirectory, {
    database: 'second_brain_bench',
    bucket: 'second-brain-bench',
  });
  const config: Config = loadConfig(environment, repositoryRoot);
  const site = await serveManualInOwnProcess();
  let worker: ChildProcess | undefined;
  try {
    say(`starting servers under ${dataDirectory}`);
    const services = await infrastructureUp(config, say);
    const storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    const urls = pages.map((name) => `${site.origin}/${name}`);
    const documentIds = await writeBenchDocuments(storage, urls);
    const documentCount = documentIds.length;
    say(`${documentCount} documents link ${urls.length} pages; starting the offline worker`);
    worker = await startWorker(environment);
    const client = await connectClient(config);
    const settings = benchCrawlSettings(concurrency);
    const mongo = await connectMongo(config.mongodb);
    const cpuRoots = () => ({
      bench: process.pid,
      site: site.pid,
      worker: worker?.pid,
      ...Object.fromEntries(services.map((service) => [service.name, service.pid])),
    });
    /** CPU seconds per process while `path` ran, and what the rest of the machine used. */
    const withCpu = async <T>(path: () => Promise<T>) => {
      const before = cpuSecondsByTree(cpuRoots());
      const machineBefore = machineCpuSeconds();
      const result = await path();
      const cpu = cpuSecondsBetween(before, cpuSecondsByTree(cpuRoots()));
      const ours = Object.values(cpu).reduce((sum, value) => sum + value, 0);
      cpu.otherProcesses = Math.round((machineCpuSeconds() - machineBefore - ours) * 10) / 10;
      return { ...result, cpu };
    };
    const targetsOf = (list: string[]) =>
      list.map((url) => {
        const canonical = canonicalizeUrl(url)!;
        return { key: documentIdForUrl(canonical), url: canonical };
      });
    /** The plain script: the same crawl, extraction and Markdown, nothing stored. */
    const crawler = createPageCrawler();
    const runPlain = (list: string[]) =>
      withCpu(async () => {
        let plainPages = 0;
        const start = performance.now();
        const timings = await crawler.crawl(targetsOf(list), settings, async (outcome) => {
          if (outcome.kind === 'page' && outcome.markdown.length > 0) plainPages++;
          await Promise.resolve();
        });
        return {
          pages: plainPages,
          seconds: (performance.now() - start) / 1000,
          extractionBusySeconds: timings.extractionBusyMs / 1000,
        };
      });
    /** The `etl` workflow as a first crawl: nothing stored in `raw` beforehand. */
    const runTemporal = (source: { kind: 'all' } | { kind: 'import'; runId: string }) =>
      withCpu(async () => {
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
      });

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
      const { result, seconds: temporalSeconds, stages, batches, cpu } = temporal!;
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
        /** The plain crawl's extraction thread time (the ETL's is in crawlBatchSeconds). */
        plainExtractionBusySeconds: plain.extractionBusySeconds,
        temporalPages: result.crawled,
        temporalUnchanged: result.unchangedPages,
        temporalSeconds,
        temporalRate,
        ratio: temporalRate / plainRate,
        failed: result.failed,
        activitySeconds: stages,
        crawlBatchSeconds: batches,
        plainCpuSeconds: plain.cpu,
        temporalCpuSeconds: cpu,
        loadAverageBefore,
        loadAverageAfter: loadAverage,
      });
      say(
        `run ${run} (${temporalFirst ? 'temporal first' : 'plain first'}, load ${loadAverageBefore.toFixed(2)} -> ${loadAverage.toFixed(2)}): ` +
          `plain ${plain.pages} pages in ${plain.seconds.toFixed(1)} s (${plainRate.toFixed(1)}/s, extraction busy ${plain.extractionBusySeconds.toFixed(2)} s); ` +
          `temporal ${result.crawled} pages in ${temporalSeconds.toFixed(1)} s (${temporalRate.toFixed(1)}/s), ${result.failed} failed, ${result.unchangedPages} unchanged; ` +
          `ratio ${(temporalRate / plainRate).toFixed(2)}x; activity seconds ${JSON.stringify(stages)}; crawl batches ${JSON.stringify(batches)}; ` +
          `CPU seconds plain ${JSON.stringify(plain.cpu)}, temporal ${JSON.stringify(cpu)}`,
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
    await site.stop();
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
