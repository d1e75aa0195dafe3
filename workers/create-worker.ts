// Shared worker construction: connection, interceptors, workflow source and logging are the
// same for every task queue; only the activities and workflows differ.
import type { Context } from '@temporalio/activity';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/environment.js';
import { createDataConverter } from '../integrations/temporal/data-converter.js';
import { connectWorkerConnection } from '../integrations/temporal/temporal-connection.js';
import type { Tracer } from '../integrations/tracing/tracer.js';
import { FailureMappingInterceptor } from './failure-mapping-interceptor.js';
import { TracingInterceptor } from './tracing-interceptor.js';
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
    /** Records a span per activity that traces anything, and opens the scope LLM calls read. */
    tracer?: Tracer;
  },
): Promise<RunningWorker> {
  const { tracer } = options;
  const connection = await connectWorkerConnection(config);
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: options.taskQueue,
      dataConverter: createDataConverter(config),
      ...workflowSource(config, options.workflows),
      activities: options.activities,
      interceptors: {
        activity: [
          () => ({ inbound: new FailureMappingInterceptor() }),
          ...(tracer
            ? [(context: Context) => ({ inbound: new TracingInterceptor(context, tracer) })]
            : []),
        ],
      },
      // Heartbeat details reach the server at most this often (the SDK's default is 80% of
      // the heartbeat timeout, 24 s for a crawl batch): they carry a running activity's
      // progress, which the CLI and the Temporal UI show, and what a retry resumes from.
      maxHeartbeatThrottleInterval: '5 seconds',
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
