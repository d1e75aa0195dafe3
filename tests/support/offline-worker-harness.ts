// The one set-up most integration tests share: an in-process offline worker (the real
// createOfflineWorker, so the real activities and interceptors) on a task queue of its own,
// and a Temporal client, against the servers the test runner started.
//
//   const harness = useOfflineWorker({ prefix: 'round-trip' });   // inside describe()
//   it('...', async () => { await startPipeline(harness.client, 'etl', { taskQueue: harness.taskQueue, ... }) });
//
//   await withOfflineWorker({ MONGODB_DATABASE: 'x' }, async ({ client, taskQueue }) => { ... });
import { after, before } from 'node:test';
import type { WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../clients/temporal-client.js';
import type { Config } from '../../config/environment.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { createOfflineWorker } from '../../workers/offline-worker.js';
import { testConfig, uniqueName } from './test-environment.js';

export interface OfflineWorkerHarness {
  readonly config: Config;
  readonly taskQueue: string;
  readonly worker: RunningWorker;
  readonly client: Client;
}

export interface OfflineWorkerOptions {
  /** Environment overrides for testConfig(), or a ready config (e.g. built in an earlier hook). */
  config?: Record<string, string | undefined> | (() => Config);
  /** The task queue's prefix (a unique suffix is added), or `taskQueue` for an exact name. */
  prefix?: string;
  taskQueue?: string;
  workerOptions?: Partial<WorkerOptions>;
}

function resolveConfig(option: OfflineWorkerOptions['config']): Config {
  return typeof option === 'function' ? option() : testConfig(option ?? {});
}

/** Starts a worker and a client; `stop` shuts both down. */
export async function startOfflineWorker(
  options: OfflineWorkerOptions = {},
): Promise<OfflineWorkerHarness & { stop(): Promise<void> }> {
  const config = resolveConfig(options.config);
  const taskQueue = options.taskQueue ?? uniqueName(options.prefix ?? 'offline');
  const worker = await createOfflineWorker(config, {
    taskQueue,
    workerOptions: options.workerOptions,
  });
  const running = worker.run();
  const client = await connectClient(config);
  return {
    config,
    taskQueue,
    worker,
    client,
    async stop() {
      await worker.shutdown();
      await running.catch(() => undefined);
      await client.connection.close();
    },
  };
}

/**
 * Registers before/after hooks of the enclosing describe(): the returned object's fields are
 * filled in by `before` and the worker and client are stopped by `after`.
 */
export function useOfflineWorker(options: OfflineWorkerOptions = {}): OfflineWorkerHarness {
  let started: Awaited<ReturnType<typeof startOfflineWorker>> | undefined;
  const harness = {} as { -readonly [K in keyof OfflineWorkerHarness]: OfflineWorkerHarness[K] };
  before(async () => {
    started = await startOfflineWorker(options);
    Object.assign(harness, {
      config: started.config,
      taskQueue: started.taskQueue,
      worker: started.worker,
      client: started.client,
    });
  });
  after(async () => {
    await started?.stop();
  });
  return harness;
}

/** Runs `body` with a worker and a client for its duration only. */
export async function withOfflineWorker<T>(
  overrides: OfflineWorkerOptions['config'],
  body: (harness: OfflineWorkerHarness) => Promise<T>,
  options: Omit<OfflineWorkerOptions, 'config'> = {},
): Promise<T> {
  const started = await startOfflineWorker({ ...options, config: overrides });
  try {
    return await body(started);
  } finally {
    await started.stop();
  }
}
