// The `local` training backend: the training program as a child process on the worker's own
// machine, for users with their own GPU. The process is detached into its own process group
// and writes into a job folder (config, dataset, output.log, exit-code), so it survives a
// worker restart and the next worker resumes watching it instead of starting another.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecondBrainError } from '../../domain/errors.js';
import type { TrainingBackend, TrainingJobStatus, TrainingLaunch } from './training-backend.js';

export interface LocalProcessBackendSettings {
  /** Where job folders go (under the data directory). */
  jobsDirectory: string;
  /** The training program's command, e.g. ["python3", "/repo/training/train_summarizer.py"]. */
  command: readonly string[];
  /** The working directory of the command. */
  workingDirectory: string;
  /** Extra environment for the program (e.g. HF_TOKEN); the worker's environment is inherited. */
  environment?: Record<string, string | undefined>;
}

const FILES = {
  config: 'training-config.json',
  dataset: 'dataset',
  output: 'output.log',
  exitCode: 'exit-code',
  pid: 'pid',
  cancelled: 'cancelled',
  startedAt: 'started-at',
} as const;

/** A folder name for a launch key: readable, and unique even when keys differ only in symbols. */
export function localJobId(launchKey: string): string {
  const readable = launchKey.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 60);
  return `${readable}-${createHash('sha256').update(launchKey).digest('hex').slice(0, 8)}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; only ESRCH means it is gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createLocalProcessBackend(settings: LocalProcessBackendSettings): TrainingBackend {
  const folder = (jobId: string) => path.join(settings.jobsDirectory, jobId);
  const file = (jobId: string, name: string) => path.join(folder(jobId), name);

  async function readPid(jobId: string): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(file(jobId, FILES.pid), 'utf8')).trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async function status(jobId: string): Promise<TrainingJobStatus> {
    if (!existsSync(folder(jobId))) {
      throw new SecondBrainError('notFound', `Local training job ${jobId} does not exist`);
    }
    const cancelled = existsSync(file(jobId, FILES.cancelled));
    let exitCode: string | undefined;
    try {
      exitCode = (await readFile(file(jobId, FILES.exitCode), 'utf8')).trim();
    } catch {
      exitCode = undefined;
    }
    if (exitCode !== undefined) {
      if (cancelled) return { state: 'cancelled', message: 'cancelled' };
      return exitCode === '0'
        ? { state: 'succeeded', message: null }
        : { state: 'failed', message: `the training command exited with code ${exitCode}` };
    }
    const pid = await readPid(jobId);
    if (pid !== undefined && isAlive(pid)) return { state: 'running', message: null };
    if (cancelled) return { state: 'cancelled', message: 'cancelled' };
    // Gone without an exit code: the machine rebooted or the process group was killed.
    return {
      state: 'failed',
      message: 'the training process disappeared without an exit code (node lost)',
    };
  }

  return {
    name: 'local',

    async findOrLaunch(launch: TrainingLaunch) {
      const jobId = localJobId(launch.launchKey);
      if ((await readPid(jobId)) !== undefined) return { jobId, launched: false };
      // A folder without a pid is a launch that died half-way: start it over.
      await rm(folder(jobId), { recursive: true, force: true });
      await mkdir(path.join(folder(jobId), FILES.dataset), { recursive: true });
      for (const dataset of launch.datasetFiles ?? []) {
        await writeFile(path.join(folder(jobId), FILES.dataset, dataset.name), dataset.content);
      }
      const config = {
        ...launch.config,
        dataset: { ...launch.config.dataset, localDir: path.join(folder(jobId), FILES.dataset) },
      };
      await writeFile(file(jobId, FILES.config), `${JSON.stringify(config, null, 2)}\n`);
      const output = await open(file(jobId, FILES.output), 'a');
      const [program, ...programArguments] = settings.command;
      if (program === undefined) {
        throw new SecondBrainError('validation', 'TRAINING_LOCAL_COMMAND is empty');
      }
      // sh records the exit code when the program ends, whoever is watching by then.
      const wrapper = `"$@"; code=$?; echo $code > ${JSON.stringify(file(jobId, `${FILES.exitCode}.tmp`))} && mv ${JSON.stringify(file(jobId, `${FILES.exitCode}.tmp`))} ${JSON.stringify(file(jobId, FILES.exitCode))}`;
      const child = spawn(
        'sh',
        [
          '-c',
          wrapper,
          'sh',
          program,
          ...programArguments,
          '--config',
          file(jobId, FILES.config),
          ...(launch.dryRun ? ['--dry-run'] : []),
        ],
        {
          cwd: settings.workingDirectory,
          detached: true,
          stdio: ['ignore', output.fd, output.fd],
          env: { ...process.env, PYTHONUNBUFFERED: '1', ...settings.environment },
        },
      );
      await output.close();
      if (child.pid === undefined) {
        throw new SecondBrainError('permanent', `Could not start the training command ${program}`);
      }
      child.unref();
      await writeFile(file(jobId, FILES.startedAt), new Date().toISOString());
      await writeFile(file(jobId, FILES.pid), String(child.pid));
      return { jobId, launched: true };
    },

    status,

    async *logs(jobId, signal) {
      let offset = 0;
      let pending = '';
      while (!signal.aborted) {
        const finished = (await status(jobId)).state !== 'running';
        const content = await readFile(file(jobId, FILES.output));
        if (content.length > offset) {
          pending += content.subarray(offset).toString('utf8');
          offset = content.length;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) yield line;
        }
        if (finished) {
          if (pending !== '') yield pending;
          return;
        }
        await sleep(250, undefined, { signal }).catch(() => undefined);
      }
    },

    async cancel(jobId) {
      if (!existsSync(folder(jobId))) return;
      await writeFile(file(jobId, FILES.cancelled), new Date().toISOString());
      const pid = await readPid(jobId);
      if (pid === undefined || !isAlive(pid)) return;
      // The whole process group: the shell wrapper and the program with its workers.
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // Already gone.
        }
      };
      signalGroup('SIGTERM');
      for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 200) await sleep(200);
      if (isAlive(pid)) signalGroup('SIGKILL');
    },
  };
}
