// Starts a private set of real servers (Temporal dev server, FerretDB, S3) on free ports with
// a throw-away data directory. The test runner uses it once for the whole suite; fault-injection
// tests use their own instance, so stopping a server never disturbs other test files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../config/environment.js';
import { findFreePort } from '../../infra/managed-process.js';
import {
  InfrastructureError,
  infrastructureDown,
  infrastructureUp,
} from '../../infra/local-infrastructure.js';

export interface TestInfrastructure {
  environment: NodeJS.ProcessEnv;
  config: Config;
  dataDirectory: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const EXTERNAL_SETTINGS = [
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
];

export async function startTestInfrastructure(options: {
  baseEnvironment: NodeJS.ProcessEnv;
  repositoryRoot: string;
  progress: (message: string) => void;
}): Promise<TestInfrastructure> {
  // Free ports are chosen before the servers bind them, and test files start private servers in
  // parallel (and the dev server takes more random ports of its own), so a port can be taken in
  // between. That is the test harness's race, not a failure of the code under test: try again
  // on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(options);
    } catch (error) {
      if (attempt >= 3 || !isPortConflict(error)) throw error;
      options.progress(`a port was taken while the servers started; retrying (${attempt}/3)`);
    }
  }
}

function isPortConflict(error: unknown): boolean {
  // Taken before our server started (found by the pre-flight check)...
  if (error instanceof InfrastructureError && error.portInUse !== undefined) return true;
  // ...or taken between the check and the server's own bind (found in its log).
  const logFile = (error as { logFile?: unknown }).logFile;
  let log = '';
  try {
    if (typeof logFile === 'string') log = readFileSync(logFile, 'utf8');
  } catch {
    // No log: judge by the message alone.
  }
  return /address already in use|EADDRINUSE/i.test(`${String(error)}\n${log}`);
}

async function startOnFreePorts(options: {
  baseEnvironment: NodeJS.ProcessEnv;
  repositoryRoot: string;
  progress: (message: string) => void;
}): Promise<TestInfrastructure> {
  const environment: NodeJS.ProcessEnv = { ...options.baseEnvironment };
  // Tests must never touch a developer's own servers or data.
  for (const name of EXTERNAL_SETTINGS) delete environment[name];
  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-test-'));
  Object.assign(environment, {
    SECOND_BRAIN_DATA_DIR: dataDirectory,
    SECOND_BRAIN_TOOLS_DIR:
      environment.SECOND_BRAIN_TOOLS_DIR ?? path.join(options.repositoryRoot, '.tools'),
    MONGODB_DATABASE: environment.MONGODB_DATABASE ?? 'second_brain_test',
    S3_BUCKET: environment.S3_BUCKET ?? 'second-brain-test',
    TEMPORAL_PORT: String(await findFreePort()),
    TEMPORAL_UI_PORT: String(await findFreePort()),
    LOCAL_MONGODB_PORT: String(await findFreePort()),
    LOCAL_S3_PORT: String(await findFreePort()),
  });
  const config = loadConfig(environment, options.repositoryRoot);
  const stop = async (stopOptions: { keepData?: boolean } = {}) => {
    await infrastructureDown(config).catch((error: unknown) =>
      options.progress(`teardown failed: ${String(error)}`),
    );
    if (!stopOptions.keepData) rmSync(dataDirectory, { recursive: true, force: true });
  };
  try {
    const statuses = await infrastructureUp(config, options.progress);
    // A server of the same kind that another test file started on "our" free port in the
    // meantime would be reused, and would vanish when that file stops it: start afresh instead.
    const borrowed = statuses.find((status) => !status.managed);
    if (borrowed)
      throw new InfrastructureError(
        borrowed.name,
        `port taken by a server this suite did not start (${borrowed.endpoint})`,
        undefined,
        Number(/:(\d+)/.exec(borrowed.endpoint)?.[1] ?? 0),
      );
  } catch (error) {
    await stop({ keepData: true });
    throw error;
  }
  return { environment, config, dataDirectory, stop };
}
