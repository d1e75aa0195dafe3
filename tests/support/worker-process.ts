// Runs a worker as its own process, so fault-injection tests can SIGKILL it the way a crash or
// an OOM kill would, then start a fresh one. By default it is the real `second-brain worker`
// command. With `crawlRetryBackoffMs` it is this file run as a script: the same offline worker
// with the crawler's retry backoff shortened, so a test of a flaky page does not wait seconds.
//   node --import tsx tests/support/worker-process.ts <taskQueue> <crawlRetryBackoffMs>
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repositoryRoot } from './test-environment.js';

export interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything the worker printed so far (stdout and stderr). */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startWorkerProcess(
  kind: 'offline' | 'agent',
  environment: NodeJS.ProcessEnv,
  options: { readyTimeoutMs?: number; taskQueue?: string; crawlRetryBackoffMs?: number } = {},
): Promise<WorkerProcess> {
  const args = [path.join(repositoryRoot, 'bin/second-brain.mjs'), 'worker', kind];
  if (options.taskQueue) args.push('--task-queue', options.taskQueue);
  if (options.crawlRetryBackoffMs !== undefined) {
    if (kind !== 'offline' || !options.taskQueue)
      throw new Error('crawlRetryBackoffMs needs an offline worker and a task queue');
    args.splice(0, args.length, '--import', 'tsx', fileURLToPath(import.meta.url));
    args.push(options.taskQueue, String(options.crawlRetryBackoffMs));
  }
  const child = spawn(process.execPath, args, {
    cwd: repositoryRoot,
    env: { ...environment, CI: 'true' },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker ${kind} not ready in time:\n${output}`)),
      options.readyTimeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/polling/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${kind} exited with ${code} before it was ready:\n${output}`));
    });
  });
  await ready;
  return {
    child,
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** The script form: an offline worker whose crawler retries after `crawlRetryBackoffMs`. */
async function runOfflineWorkerWithShortCrawlBackoff(taskQueue: string, backoffMs: number) {
  await import('../../config/quiet-sdk-warnings.js');
  const { createOfflineActivities } = await import('../../workers/offline-activities.js');
  const { loadConfig } = await import('../../config/environment.js');
  const { createWorker } = await import('../../workers/create-worker.js');
  const { openDependencies } = await import('../../workers/dependencies.js');
  const config = loadConfig();
  const dependencies = await openDependencies(config);
  const worker = await createWorker(config, {
    taskQueue,
    workflows: 'offline',
    activities: createOfflineActivities({ ...dependencies, crawlRetryBackoffMs: backoffMs }),
    onClose: () => dependencies.close(),
  });
  process.stderr.write(`offline worker is polling ${taskQueue}\n`);
  await worker.run();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [taskQueue, backoff] = process.argv.slice(2);
  if (!taskQueue || !backoff) throw new Error('usage: worker-process.ts <taskQueue> <backoffMs>');
  await runOfflineWorkerWithShortCrawlBackoff(taskQueue, Number(backoff));
}
