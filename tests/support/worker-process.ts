// Runs a worker as its own process (the real `second-brain worker` command), so fault-injection
// tests can SIGKILL it the way a crash or an OOM kill would, then start a fresh one.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
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
  options: { readyTimeoutMs?: number; taskQueue?: string } = {},
): Promise<WorkerProcess> {
  const args = [path.join(repositoryRoot, 'bin/second-brain.mjs'), 'worker', kind];
  if (options.taskQueue) args.push('--task-queue', options.taskQueue);
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
