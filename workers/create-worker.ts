// Shared worker construction: connection, interceptors, workflow source and logging are the
// same for every task queue; only the activities and workflows differ.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';
import { createDataConverter } from '../integrations/temporal/data-converter.js';
import { FailureMappingInterceptor } from './failure-mapping-interceptor.js';
import { workflowSource, type WorkflowModule } from './workflow-bundles.js';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down (after SIGINT/SIGTERM or shutdown()). */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createWorker(
  config: Config,
  options: {
    taskQueue: string;
    workflows: WorkflowModule;
    activities: WorkerOptions['activities'];
    onClose?: () => Promise<void>;
    workerOptions?: Partial<WorkerOptions>;
  },
): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: options.taskQueue,
      dataConverter: createDataConverter(config),
      ...workflowSource(config, options.workflows),
      activities: options.activities,
      interceptors: { activity: [() => ({ inbound: new FailureMappingInterceptor() })] },
      ...options.workerOptions,
    });
    let running: Promise<void> | undefined;
    return {
      worker,
      run() {
        running ??= (async () => {
          try {
            await worker.run();
          } finally {
            await options.onClose?.();
            await connection.close();
          }
        })();
        return running;
      },
      async shutdown() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
  } catch (error) {
    await options.onClose?.();
    await connection.close();
    throw error;
  }
}
