import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config/environment.js';
import {
  infrastructureUp,
  runningManagedServices,
  stopManagedServicesExcept,
} from '../../infra/local-infrastructure.js';
import { importDocuments } from '../../integrations/import/document-importer.js';
import { LOCAL_MODELS } from '../../integrations/local-models/model-catalog.js';
import { pullModel } from '../../integrations/local-models/model-store.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { startHttpServer, type RunningHttpServer } from '../http/http-server.js';
import { connectClient, startPipeline, workflowUiUrl } from '../temporal-client.js';
import { describeError, note } from './output.js';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { demoSiteDocument } from '../../domain/demo-site-document.js';
import { startDemoSite, type RunningDemoSite } from '../../infra/demo-site.js';
import { summarizeRefreshFailures } from '../../domain/refresh-progress.js';
import { showRefreshProgress } from './refresh-progress-display.js';
import { exitOnShutdownSignal, ignoreBrokenOutput } from './shutdown-signals.js';

/** The bundled sample knowledge base (the original project's published format). */
export const SAMPLE_KNOWLEDGE_BASE = fileURLToPath(
  new URL('../../samples/knowledge-base', import.meta.url),
);

const WORKER_SHUTDOWN_GRACE_MS = 10_000;

function usesLocalModels(config: Config): boolean {
  return config.models.llm.provider === 'local' || config.models.embeddings.provider === 'local';
}

/**
 * The main job: bring the embedded infrastructure, the local models and both workers up,
 * refresh the knowledge base (the user's Notion, or the bundled sample), serve the API, print
 * where to look, and keep running until Ctrl-C, which stops everything it started.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the whole platform on the embedded default (Ctrl-C stops what it started)')
    .option('--no-stay', 'exit after the refresh instead of serving until Ctrl-C')
    .action(async (options: { stay: boolean }) => {
      // The workers (crawler, local models, the Temporal worker runtime) and the agent's routes
      // take seconds to import: loaded here, so every other command starts without them.
      const [{ makeTelemetryFilterString, Runtime }, { createFileLogger }, workers, routes] =
        await Promise.all([
          import('@temporalio/worker'),
          import('./worker-log-file.js'),
          Promise.all([
            import('../../workers/offline-worker.js'),
            import('../../workers/agent-worker.js'),
          ]),
          Promise.all([import('../http/agent-routes.js'), import('../http/api-routes.js')]),
        ]);
      const [{ createOfflineWorker }, { createAgentWorker }] = workers;
      const [{ createAgentApi }, { createRoutes }] = routes;
      const config = loadConfig();
      ignoreBrokenOutput();
      // The in-process workers and the Temporal SDK log to a file; the console shows the steps.
      // The SDK's own signal handling is off: this command stops the workers itself, in order.
      const workerLog = path.join(config.dataDirectory, 'logs', 'start.log');
      const verbose = ['trace', 'debug'].includes(config.logLevel);
      Runtime.install({
        logger: createFileLogger(workerLog, verbose ? 'DEBUG' : 'INFO'),
        // The SDK's native core prints its own warnings straight to the console unless they
        // are forwarded to the logger above.
        telemetryOptions: {
          logging: {
            forward: {},
            filter: makeTelemetryFilterString({ core: verbose ? 'DEBUG' : 'WARN', other: 'ERROR' }),
          },
        },
        shutdownSignals: [],
      });
      const agentApi = createAgentApi(config);
      const started: {
        workers: RunningWorker[];
        server?: RunningHttpServer;
        demoSite?: RunningDemoSite;
      } = { workers: [] };
      // Servers already running before this command (an earlier `infra up`) are left alone.
      const alreadyRunning = runningManagedServices(config);
      let stopping: Promise<void> | undefined;
      const shutdown = new AbortController();
      const stop = () =>
        (stopping ??= (async () => {
          shutdown.abort();
          note('Stopping what this command started...');
          await started.server?.close();
          await started.demoSite?.close();
          await agentApi.close();
          // A worker in the middle of a long activity must not keep the servers running.
          await Promise.race([
            Promise.all(started.workers.map((worker) => worker.shutdown())),
            new Promise((resolve) => setTimeout(resolve, WORKER_SHUTDOWN_GRACE_MS).unref()),
          ]);
          const stopped = await stopManagedServicesExcept(config, alreadyRunning);
          if (stopped.length > 0) note(`  stopped ${stopped.join(', ')}`);
        })());
      // From here on, Ctrl-C (or SIGTERM, or a closed terminal) stops what was started so far.
      let signalled = false;
      exitOnShutdownSignal(() => {
        signalled = true;
        return stop();
      }, note);

      try {
        note('Step 1/5: infrastructure (Temporal, MongoDB wire protocol, S3)');
        const statuses = await infrastructureUp(config, note, { signal: shutdown.signal });
        for (const status of statuses)
          note(`  ${status.name.padEnd(9)} ${status.state.padEnd(8)} ${status.endpoint}`);

        note('Step 2/5: models');
        if (usesLocalModels(config)) {
          for (const spec of LOCAL_MODELS)
            await pullModel(spec, {
              directory: config.models.directory,
              log: (message) => note(`  ${message}`),
            });
        } else {
          note(
            `  using ${config.models.llm.provider} and ${config.models.embeddings.provider} providers`,
          );
        }

        note('Step 3/5: workers');
        started.workers.push(await createOfflineWorker(config), await createAgentWorker(config));
        for (const worker of started.workers) void worker.run();
        note('  offline and agent workers are polling');

        note('Step 4/5: knowledge base');
        const notionConfigured =
          Boolean(config.notion.token) && config.notion.databaseIds.length > 0;
        if (!notionConfigured) {
          const storage = createObjectStorage(config.s3);
          try {
            const imported = await importDocuments(storage, SAMPLE_KNOWLEDGE_BASE);
            note(
              `  no Notion token and databases configured: imported the bundled sample knowledge base ` +
                `(${imported.imported} new, ${imported.skipped} unchanged)`,
            );
            // The sample's links are on the public internet; the demo library is on loopback,
            // so an offline first run still has pages to crawl. A reading-list page links to it.
            started.demoSite = await startDemoSite(config.demoSitePort);
            const readingList = path.join(config.dataDirectory, 'demo-site', 'reading-list.json');
            mkdirSync(path.dirname(readingList), { recursive: true });
            writeFileSync(
              readingList,
              JSON.stringify(demoSiteDocument(started.demoSite.origin, started.demoSite.pages)),
            );
            await importDocuments(storage, readingList);
            note(
              `  demo library: ${started.demoSite.origin}/ (${started.demoSite.pages.length} pages, loopback only)`,
            );
          } finally {
            storage.close();
          }
        }
        const client = await connectClient(config);
        try {
          // The crawler refuses loopback addresses unless the run allows the host.
          const input = started.demoSite
            ? { etl: { crawl: { allowedHosts: [new URL(started.demoSite.origin).hostname] } } }
            : {};
          const handle = await startPipeline(client, 'refresh', { input, trigger: 'start' });
          note(
            `  refresh: ${workflowUiUrl(config, handle.workflowId, handle.firstExecutionRunId)}`,
          );
          const progress = showRefreshProgress(client, handle, {
            interactive: config.interactive,
          });
          try {
            const result: unknown = await handle.result();
            await progress.stop();
            // The whole result (every count, key and note) goes to the log; the console gets
            // what failed, by reason, and where to read more.
            appendFileSync(workerLog, `refresh result: ${JSON.stringify(result)}\n`);
            note(
              `  refresh completed (full result in ${path.relative(process.cwd(), workerLog)}):`,
            );
            for (const line of summarizeRefreshFailures(result)) note(`    ${line}`);
          } catch (error) {
            // A failed refresh is reported, not fatal: the platform still serves what it has.
            note(`  refresh failed: ${describeError(error)}`);
          } finally {
            await progress.stop();
          }
        } finally {
          await client.connection.close();
        }

        note('Step 5/5: API');
        started.server = await startHttpServer({
          host: config.serve.host,
          port: config.serve.port,
          routes: createRoutes(config, agentApi),
          bearerToken: config.serve.apiToken,
          allowedHostNames: config.serve.allowedHosts,
        });
        note('');
        note(`Second Brain: ${started.server.url}`);
        note(`Temporal UI:  ${config.temporal.uiUrl}`);
        note(`Data and logs: ${path.relative(process.cwd(), config.dataDirectory) || '.'}`);
        note(`Worker log:   ${path.relative(process.cwd(), workerLog)}`);
      } catch (error) {
        await stop();
        // Interrupted by a signal: its handler exits with the signal's code, not this error.
        if (signalled) await new Promise<never>(() => undefined);
        throw error;
      }

      if (!options.stay) {
        await stop();
        return;
      }
      note('Serving. Press Ctrl-C to stop.');
      // Until a shutdown signal, whose handler stops everything and exits.
      await new Promise<never>(() => undefined);
    });
}
