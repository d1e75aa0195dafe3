import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';
import { createOfflineActivities } from '../workers/offline-activities.js';
import { TASK_QUEUES } from '../domain/names.js';
import { createWorker, type RunningWorker } from './create-worker.js';
import { openDependencies } from './dependencies.js';

/** The worker for the offline pipelines (collection, ETL, RAG, dataset, training, evaluation). */
export async function createOfflineWorker(
  config: Config,
  options: { taskQueue?: string; workerOptions?: Partial<WorkerOptions> } = {},
): Promise<RunningWorker> {
  const dependencies = await openDependencies(config);
  return createWorker(config, {
    taskQueue: options.taskQueue ?? TASK_QUEUES.offline,
    workflows: 'offline',
    activities: createOfflineActivities(dependencies),
    tracer: dependencies.tracer,
    onClose: () => dependencies.close(),
    workerOptions: options.workerOptions,
  });
}
