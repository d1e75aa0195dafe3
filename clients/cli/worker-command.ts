import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { TASK_QUEUES } from '../../domain/names.js';
import { note } from './output.js';

export function registerWorkerCommand(program: Command): void {
  const worker = program
    .command('worker')
    .description('Run a Temporal worker in the foreground (Ctrl-C stops it)');

  worker
    .command('offline')
    .description(`Serve the offline pipelines' task queue (${TASK_QUEUES.offline})`)
    .option('--task-queue <name>', 'serve another task queue (tests, canaries)')
    .action(async (options: { taskQueue?: string }) => {
      const taskQueue = options.taskQueue ?? TASK_QUEUES.offline;
      // Imported here, not at the top: the worker code takes seconds to load, and every other
      // command (the CLI registers them all) would pay for it.
      const { createOfflineWorker } = await import('../../workers/offline-worker.js');
      const running = await createOfflineWorker(loadConfig(), { taskQueue });
      note(`Offline worker polling ${taskQueue}. Ctrl-C to stop.`);
      await running.run();
    });

  worker
    .command('agent')
    .description(`Serve the agent's task queue (${TASK_QUEUES.agent})`)
    .option('--task-queue <name>', 'serve another task queue (tests, canaries)')
    .action(async (options: { taskQueue?: string }) => {
      const taskQueue = options.taskQueue ?? TASK_QUEUES.agent;
      const { createAgentWorker } = await import('../../workers/agent-worker.js');
      const running = await createAgentWorker(loadConfig(), { taskQueue });
      note(`Agent worker polling ${taskQueue}. Ctrl-C to stop.`);
      await running.run();
    });
}
