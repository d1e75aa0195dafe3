import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config/environment.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import { importDocuments } from '../../integrations/import/document-importer.js';
import { LOCAL_MODELS } from '../../integrations/local-models/model-catalog.js';
import { pullModel } from '../../integrations/local-models/model-store.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import { createOfflineWorker } from '../../workers/offline-worker.js';
import { createAgentApi } from '../http/agent-routes.js';
import { createRoutes } from '../http/api-routes.js';
import { startHttpServer, type RunningHttpServer } from '../http/http-server.js';
import { connectClient, startPipeline, workflowUiUrl } from '../temporal-client.js';
import { describeError, note } from './output.js';
import { showProgress } from './progress-display.js';

/** The bundled sample knowledge base (the original project's published format). */
export const SAMPLE_KNOWLEDGE_BASE = fileURLToPath(
  new URL('../../samples/knowledge-base', import.meta.url),
);

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
      const config = loadConfig();
      // Workers log every bundle and state change at info; the main job shows its own steps,
      // so only warnings and errors get through unless LOG_LEVEL asks for more.
      if (!['trace', 'debug'].includes(config.logLevel)) {
        Runtime.install({ logger: new DefaultLogger('WARN') });
      }
      const agentApi = createAgentApi(config);
      const started: { workers: RunningWorker[]; server?: RunningHttpServer; services: string[] } =
        {
          workers: [],
          services: [],
        };
      let stopping: Promise<void> | undefined;
      const stop = () =>
        (stopping ??= (async () => {
          note('Stopping what this command started...');
          await started.server?.close();
          await agentApi.close();
          await Promise.all(started.workers.map((worker) => worker.shutdown()));
          if (started.services.length > 0) await infrastructureDown(config);
        })());

      try {
        note('Step 1/5: infrastructure (Temporal, MongoDB wire protocol, S3)');
        const statuses = await infrastructureUp(config, note);
        started.services = statuses
          .filter((status) => status.state === 'started')
          .map((status) => status.name);
        for (const status of statuses)
          note(`  ${status.name.padEnd(9)} ${status.state.padEnd(8)} ${status.endpoint}`);

        note('Step 2/5: models');
        if (usesLocalModels(config)) {
          for (const spec of LOCAL_MODELS)
            await pullModel(spec, { directory: config.models.directory, log: note });
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
          } finally {
            storage.close();
          }
        }
        const client = await connectClient(config);
        try {
          const handle = await startPipeline(client, 'refresh', { trigger: 'start' });
          note(
            `  refresh: ${workflowUiUrl(config, handle.workflowId, handle.firstExecutionRunId)}`,
          );
          const progress = showProgress(handle, config.interactive ? 'bars' : 'lines');
          try {
            const result: unknown = await handle.result();
            note(`  refresh completed: ${JSON.stringify(result)}`);
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
      } catch (error) {
        await stop();
        throw error;
      }

      if (!options.stay) {
        await stop();
        return;
      }
      note('Serving. Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await stop();
    });
}
