import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';
import { createWorkflowInputActivities } from '../activities/workflow-input-activities.js';
import { TASK_QUEUES } from '../domain/names.js';
import { createWorker, type RunningWorker } from './create-worker.js';

/** The agent's worker, on its own task queue so offline pipelines never slow answers. */
export async function createAgentWorker(
  config: Config,
  options: { taskQueue?: string; workerOptions?: Partial<WorkerOptions> } = {},
): Promise<RunningWorker> {
  return createWorker(config, {
    taskQueue: options.taskQueue ?? TASK_QUEUES.agent,
    workflows: 'agent',
    activities: { ...createWorkflowInputActivities() },
    workerOptions: options.workerOptions,
  });
}
