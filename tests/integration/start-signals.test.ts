// Ctrl-C stops what `start` started. `start` runs on its own ports and data directory; once its
// servers are up and the refresh is running, it gets SIGINT, SIGTERM or SIGHUP the way a
// terminal or `kill` delivers them, and afterwards no server it started may still run.
// SIGINT and SIGHUP go to the whole process group of `start | cat`, as Ctrl-C or a closed
// terminal does with `make start | tee log` (cat dies too, so start's late output hits a
// broken pipe); SIGTERM goes to start alone, as `kill` does, and its exit code is checked.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { findFreePort, isAlive } from '../../infra/managed-process.js';
import { repositoryRoot } from '../support/test-environment.js';

/** Every process whose command line mentions the directory (the servers keep their data there). */
function processesUsing(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(directory)) found.push(`${entry}: ${commandLine.slice(0, 160)}`);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** The Node processes of a process group whose command line mentions `needle` (not the shell). */
function groupMembers(groupId: number, needle: string): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of /proc/<pid>/stat is the process group (after the parenthesized name).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const isNode = commandLine.split('\0')[0] === process.execPath;
      if (Number(fields[2]) === groupId && isNode && commandLine.includes(needle))
        members.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return members;
}

function serverPids(dataDirectory: string): number[] {
  const runDirectory = path.join(dataDirectory, 'run');
  if (!existsSync(runDirectory)) return [];
  return readdirSync(runDirectory)
    .filter((file) => file.endsWith('.pid.json'))
    .map(
      (file) =>
        (JSON.parse(readFileSync(path.join(runDirectory, file), 'utf8')) as { pid: number }).pid,
    );
}

async function startThenSignal(signal: NodeJS.Signals, piped: boolean) {
  const dataDirectory = mkdtempSync(
    path.join(os.tmpdir(), `second-brain-${signal.toLowerCase()}-`),
  );
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    CI: 'true',
    SECOND_BRAIN_DATA_DIR: dataDirectory,
    TEMPORAL_ADDRESS: '',
    MONGODB_URI: '',
    S3_ENDPOINT: '',
    // The suite's prebuilt workflow bundles: the signals come once the refresh runs, so
    // bundling again in each of the three runs proves nothing; main-job.test.ts runs `start`
    // with no bundles, as a first-time user does.
    SECOND_BRAIN_WORKFLOW_BUNDLES: process.env.SECOND_BRAIN_WORKFLOW_BUNDLES,
    NOTION_TOKEN: '',
    NOTION_DATABASE_IDS: '',
    TEMPORAL_PORT: String(await findFreePort()),
    TEMPORAL_UI_PORT: String(await findFreePort()),
    LOCAL_MONGODB_PORT: String(await findFreePort()),
    LOCAL_S3_PORT: String(await findFreePort()),
    SERVE_PORT: String(await findFreePort()),
    DEMO_SITE_PORT: String(await findFreePort()),
  };
  const command = `exec ${JSON.stringify(process.execPath)} bin/second-brain.mjs start`;
  const child = spawn('sh', ['-c', piped ? `${command} 2>&1 | cat` : command], {
    cwd: repositoryRoot,
    env: environment,
    // Its own process group, like a terminal's foreground job.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
  );
  try {
    const deadline = Date.now() + 300_000;
    while (!/refresh: http/.test(output)) {
      assert.ok(Date.now() < deadline, `start did not reach the refresh:\n${output.slice(-3_000)}`);
      assert.equal(child.exitCode, null, `start exited early:\n${output.slice(-3_000)}`);
      await delay(200);
    }
    const pids = serverPids(dataDirectory);
    assert.equal(pids.length, 3, 'Temporal, FerretDB and versitygw run');
    assert.ok(pids.every(isAlive));
    const [start] = groupMembers(child.pid!, 'second-brain.mjs');
    assert.ok(start, 'the start process is found in its job');

    if (piped) process.kill(-child.pid!, signal);
    else process.kill(child.pid!, signal);
    const result = await Promise.race([
      exited,
      delay(60_000).then(() => assert.fail(`the job did not exit after ${signal}:\n${output}`)),
    ]);
    // In a pipeline the shell (and cat) die at once, like the prompt coming back after
    // Ctrl-C; start itself may still be stopping its servers. Wait for start, not the shell.
    const stopDeadline = Date.now() + 60_000;
    while (isAlive(start)) {
      assert.ok(Date.now() < stopDeadline, `start did not exit after ${signal}`);
      await delay(100);
    }
    // The servers are stopped with SIGTERM, then SIGKILL after a grace period: by the time
    // start exits they are gone.
    for (const pid of pids) assert.equal(isAlive(pid), false, `server ${pid} survived ${signal}`);
    assert.deepEqual(processesUsing(dataDirectory), [], `processes left after ${signal}`);
    return { result, output };
  } finally {
    const kill = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    if (child.exitCode === null) kill(-child.pid!);
    for (const pid of serverPids(dataDirectory)) kill(-pid);
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

describe('start stops what it started on a signal', () => {
  it('Ctrl-C to `start | cat` (SIGINT to the whole job) leaves no server running', async () => {
    await startThenSignal('SIGINT', true);
  });

  it('SIGTERM to start alone stops its servers and exits with 143', async () => {
    const { result, output } = await startThenSignal('SIGTERM', false);
    assert.equal(result.code, 143, output.slice(-2_000));
    assert.match(output, /SIGTERM received\./);
    assert.match(output, /stopped temporal, mongodb, s3/);
  });

  it('a closed terminal (SIGHUP to the whole job) leaves no server running', async () => {
    await startThenSignal('SIGHUP', true);
  });
});
