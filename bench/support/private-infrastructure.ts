// The environment a benchmark starts its own infrastructure with: Temporal, FerretDB and
// versitygw on free loopback ports under a temporary data directory, so a bench never touches
// the developer's servers or data. Any address the shell points elsewhere is dropped.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../config/environment.js';
import { findFreePort } from '../../infra/managed-process.js';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `--name value` from the command line as a number, else the fallback. */
export function numericOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

/**
 * The bench's environment: private ports and names, plus `extra` variables (e.g. Notion's).
 * A bench that starts a worker process passes it on; the others want the Config below.
 */
export async function privateInfrastructureEnvironment(
  dataDirectory: string,
  names: { database: string; bucket: string },
  extra: NodeJS.ProcessEnv = {},
): Promise<NodeJS.ProcessEnv> {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    SECOND_BRAIN_DATA_DIR: dataDirectory,
    SECOND_BRAIN_TOOLS_DIR:
      process.env.SECOND_BRAIN_TOOLS_DIR ?? path.join(repositoryRoot, '.tools'),
    TEMPORAL_PORT: String(await findFreePort()),
    TEMPORAL_UI_PORT: String(await findFreePort()),
    LOCAL_MONGODB_PORT: String(await findFreePort()),
    LOCAL_S3_PORT: String(await findFreePort()),
    MONGODB_DATABASE: names.database,
    S3_BUCKET: names.bucket,
    ...extra,
    CI: 'true',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'MONGODB_URI', 'S3_ENDPOINT'])
    delete environment[name];
  return environment;
}

/** The bench's Config over its private environment. */
export async function privateInfrastructureConfig(
  dataDirectory: string,
  names: { database: string; bucket: string },
  extra: NodeJS.ProcessEnv = {},
): Promise<Config> {
  return loadConfig(
    await privateInfrastructureEnvironment(dataDirectory, names, extra),
    repositoryRoot,
  );
}
