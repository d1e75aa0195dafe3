// Starts server processes detached from the CLI, with a pid file and a log file each, so that
// `infra up` can return while the servers keep running and `infra down` can stop exactly
// what `up` started, and nothing else.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';

const pidFileSchema = z.object({
  name: z.string(),
  pid: z.number().int().positive(),
  command: z.string(),
  args: z.array(z.string()),
  ports: z.array(z.number().int()),
  startedAt: z.string(),
  logFile: z.string(),
});

export type PidFile = z.infer<typeof pidFileSchema>;

export interface ProcessLayout {
  runDirectory: string;
  logDirectory: string;
}

export function processLayout(dataDirectory: string): ProcessLayout {
  return {
    runDirectory: path.join(dataDirectory, 'run'),
    logDirectory: path.join(dataDirectory, 'logs'),
  };
}

export function logFileFor(layout: ProcessLayout, name: string): string {
  return path.join(layout.logDirectory, `${name}.log`);
}

function pidFilePath(layout: ProcessLayout, name: string): string {
  return path.join(layout.runDirectory, `${name}.pid.json`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid file of a process we started that is still alive; stale files are removed. */
export function readLivePidFile(layout: ProcessLayout, name: string): PidFile | undefined {
  const file = pidFilePath(layout, name);
  if (!existsSync(file)) return undefined;
  let parsed: PidFile;
  try {
    parsed = pidFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    rmSync(file, { force: true });
    return undefined;
  }
  // A recycled pid would belong to another program: check the command line as well.
  const commandLine = readCommandLine(parsed.pid);
  if (
    !isAlive(parsed.pid) ||
    (commandLine !== undefined && !commandLine.includes(path.basename(parsed.command)))
  ) {
    rmSync(file, { force: true });
    return undefined;
  }
  return parsed;
}

function readCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** True when something already listens on host:port. */
export function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.once('listening', () => server.close(() => resolve(false)));
    server.listen({ port, host, exclusive: true });
  });
}

/** Asks the OS for a port that is free right now (tests use these to avoid clashes). */
/**
 * A port that is free now, for a server about to start. Chosen at random below the kernel's
 * ephemeral range: ports the kernel hands out (port 0, every outgoing connection's local port,
 * the Temporal dev server's internal listeners) come from that range, so a port picked there is
 * likely to be taken again before our server binds it.
 */
export async function findFreePort(): Promise<number> {
  const [ephemeralStart] = ephemeralPortRange();
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralStart) - 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canBind(port)) return port;
  }
  return bindAnyPort();
}

function ephemeralPortRange(): [number, number] {
  try {
    const [start, end] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(start) && Number.isInteger(end)) return [start!, end!];
  } catch {
    // Not Linux: use the IANA dynamic range.
  }
  return [49_152, 65_535];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolve(true)));
  });
}

function bindAnyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  ports: number[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startDetached(layout: ProcessLayout, options: StartOptions): PidFile {
  mkdirSync(layout.runDirectory, { recursive: true });
  mkdirSync(layout.logDirectory, { recursive: true });
  const logFile = logFileFor(layout, options.name);
  const logDescriptor = openSync(logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      detached: true,
      stdio: ['ignore', logDescriptor, logDescriptor],
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
    child.unref();
    const pidFile: PidFile = {
      name: options.name,
      pid: child.pid,
      command: options.command,
      args: options.args,
      ports: options.ports,
      startedAt: new Date().toISOString(),
      logFile,
    };
    writeFileSync(pidFilePath(layout, options.name), JSON.stringify(pidFile, null, 2));
    return pidFile;
  } finally {
    closeSync(logDescriptor);
  }
}

/** Stops a process we started: SIGTERM, then SIGKILL if it lingers. Returns false if it was not running. */
export async function stopManaged(
  layout: ProcessLayout,
  name: string,
  graceMs = 10_000,
): Promise<boolean> {
  const pidFile = readLivePidFile(layout, name);
  if (!pidFile) return false;
  await terminate(pidFile.pid, graceMs);
  rmSync(pidFilePath(layout, name), { force: true });
  return true;
}

export async function terminate(pid: number, graceMs: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      // Negative pid: the whole process group, since servers may fork helpers.
      process.kill(-pid, name);
    } catch {
      try {
        process.kill(pid, name);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await delay(50);
}

/** Polls a health check until it passes or the timeout expires, returning the last failure. */
export async function waitUntilHealthy(
  check: () => Promise<void>,
  timeoutMs: number,
  isStillRunning: () => boolean = () => true,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let reason = 'no health check completed';
  while (Date.now() < deadline) {
    try {
      await check();
      return { ok: true };
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (!isStillRunning()) return { ok: false, reason: `the process exited (${reason})` };
    await delay(250);
  }
  return { ok: false, reason: `not healthy after ${Math.round(timeoutMs / 1000)} s (${reason})` };
}
