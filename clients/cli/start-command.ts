import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import { createOfflineWorker } from '../../workers/offline-worker.js';
import { connectClient, startPipeline, workflowUiUrl } from '../temporal-client.js';
import { note } from './output.js';

/**
 * The main job: bring the embedded infrastructure and both workers up, run the platform's
 * pipeline, print where to look, and keep serving until Ctrl-C, which stops what it started.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the whole platform on the embedded default (Ctrl-C stops what it started)')
    .option('--no-stay', 'exit after the pipeline finishes instead of serving until Ctrl-C')
    .action(async (options: { stay: boolean }) => {
      const config = loadConfig();
      note('Step 1/3: infrastructure');
      const statuses = await infrastructureUp(config, note);
      const startedHere = statuses
        .filter((status) => status.state === 'started')
        .map((status) => status.name);
      for (const status of statuses)
        note(`  ${status.name.padEnd(9)} ${status.state.padEnd(8)} ${status.endpoint}`);

      note('Step 2/3: workers');
      const workers = [await createOfflineWorker(config), await createAgentWorker(config)];
      const running = workers.map((worker) => worker.run());
      note('  offline and agent workers are polling');

      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        note('Stopping workers...');
        await Promise.all(workers.map((worker) => worker.shutdown()));
        if (startedHere.length > 0) {
          note(`Stopping ${startedHere.join(', ')} (started by this command)...`);
          await infrastructureDown(config);
        }
      };

      try {
        note('Step 3/3: pipeline round-trip');
        const client = await connectClient(config);
        const handle = await startPipeline(client, 'round-trip', { trigger: 'start' });
        note(`  ${workflowUiUrl(config, handle.workflowId, handle.firstExecutionRunId)}`);
        const result: unknown = await handle.result();
        note(`  completed: ${JSON.stringify(result)}`);
        await client.connection.close();
      } catch (error) {
        await stop();
        throw error;
      }

      note('');
      note(`Temporal UI: ${config.temporal.uiUrl}`);
      if (!options.stay) {
        await stop();
        return;
      }
      note('Serving. Press Ctrl-C to stop.');
      // The worker runtime handles SIGINT/SIGTERM by shutting workers down; then we stop the servers.
      await Promise.allSettled(running);
      await stop();
    });
}
