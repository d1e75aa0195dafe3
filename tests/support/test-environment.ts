// Helpers shared by tests. The test runner has already started real servers and put their
// ports and data directory in the environment, so loadConfig() points at them.
import '../../config/quiet-sdk-warnings.js';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../config/environment.js';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ ...process.env, ...overrides }, repositoryRoot);
}

/** A unique name, so tests running in parallel never share task queues, keys or ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `second-brain` command as a user would. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repositoryRoot, 'bin/second-brain.mjs'), ...args],
      {
        cwd: repositoryRoot,
        env: { ...process.env, CI: 'true', ...options.env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The last non-empty line of a command's stdout, parsed as JSON. */
export function lastJsonLine(stdout: string): unknown {
  const lines = stdout.trim().split('\n').filter(Boolean);
  return JSON.parse(lines.at(-1) ?? 'null');
}

/**
 * The seven sample documents in the original project's format: from ../shared/ beside the
 * clone when it is there (as in CI), otherwise the identical copy bundled in samples/.
 */
export function sampleDocumentsDirectory(): string {
  const shared = path.resolve(repositoryRoot, '../shared/datasets/decodingml-sample');
  return existsSync(shared) ? shared : path.join(repositoryRoot, 'samples/knowledge-base');
}
