import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';
import { createAgentActivities } from '../activities/agent/index.js';
import { createWorkflowInputActivities } from '../activities/workflow-input/index.js';
import { TASK_QUEUES } from '../domain/names.js';
import { createWorker, type RunningWorker } from './create-worker.js';
import { openAgentDependencies, type DependencyOverrides } from './dependencies.js';

export interface AgentWorkerOptions extends DependencyOverrides {
  taskQueue?: string;
  workerOptions?: Partial<WorkerOptions>;
}

/** The agent's worker, on its own task queue so offline pipelines never slow answers. */
export async function createAgentWorker(
  config: Config,
  options: AgentWorkerOptions = {},
): Promise<RunningWorker> {
  const dependencies = await openAgentDependencies(config, options);
  return createWorker(config, {
    taskQueue: options.taskQueue ?? TASK_QUEUES.agent,
    workflows: 'agent',
    activities: {
      ...createWorkflowInputActivities(),
      ...createAgentActivities({
        mongo: dependencies.mongo,
        settings: config.agent,
        llm: dependencies.llm,
        retriever: dependencies.retriever,
        summarizer: dependencies.summarizer,
      }),
    },
    tracer: dependencies.tracer,
    onClose: () => dependencies.close(),
    workerOptions: options.workerOptions,
  });
}
