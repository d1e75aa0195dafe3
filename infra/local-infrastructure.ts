// The embedded local infrastructure: the Temporal dev server, FerretDB (MongoDB wire protocol)
// and an S3-compatible server, each started as a detached process under the data directory.
// `up` is idempotent: a server that already answers is reused, never started twice.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/environment.js';
import { createObjectStorage } from '../integrations/s3/object-storage.js';
import {
  isAlive,
  isPortInUse,
  logFileFor,
  processLayout,
  readLivePidFile,
  startDetached,
  stopManaged,
  terminate,
  waitUntilHealthy,
  type ProcessLayout,
} from './managed-process.js';
import { resolveTool, type ProgressReporter } from './tool-installer.js';
import {
  endpointOf,
  ensureSearchAttributes,
  HEALTH_CHECKS,
  HEALTH_TIMEOUT_MS,
  isExternal,
  probe,
} from './health-checks.js';

export { ensureSearchAttributes } from './health-checks.js';

export const SERVICE_NAMES = ['temporal', 'mongodb', 's3'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type ServiceState = 'started' | 'reused' | 'external' | 'running' | 'stopped' | 'failed';

export interface ServiceStatus {
  name: ServiceName;
  state: ServiceState;
  /** How the server came to be: started by us (with pid), or found already running. */
  managed: boolean;
  pid?: number;
  endpoint: string;
  logFile?: string;
  detail?: string;
}

/** Connection details for scripts, printed by `infra up --json`. */
export interface Connections {
  temporal: { address: string; namespace: string; uiUrl: string };
  mongodb: { uri: string; database: string };
  s3: {
    endpoint: string;
    bucket: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
  };
}

export class InfrastructureError extends Error {
  constructor(
    readonly service: ServiceName,
    message: string,
    readonly logFile?: string,
    /** Set when the service could not start because another program holds this port. */
    readonly portInUse?: number,
  ) {
    super(`${service}: ${message}${logFile ? `\n  log: ${logFile}` : ''}`);
    this.name = 'InfrastructureError';
  }
}

export function connectionsFor(config: Config): Connections {
  return {
    temporal: {
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      uiUrl: config.temporal.uiUrl,
    },
    mongodb: { uri: config.mongodb.uri, database: config.mongodb.database },
    s3: {
      endpoint: config.s3.endpoint,
      bucket: config.s3.bucket,
      region: config.s3.region,
      accessKeyId: config.s3.accessKeyId,
      secretAccessKey: config.s3.secretAccessKey,
    },
  };
}

/** Go's GC target for the local FerretDB (see launchFor). */
const FERRETDB_GOGC = '400';

interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Each port with the setting that changes it, for a clear "port in use" message. */
  ports: { port: number; setting: string }[];
}

function launchFor(service: ServiceName, config: Config, progress: ProgressReporter): Launch {
  const dataDirectory = path.join(config.dataDirectory, service);
  mkdirSync(dataDirectory, { recursive: true });
  switch (service) {
    case 'temporal': {
      const tool = resolveTool('temporal', config.toolsDirectory, progress);
      const args = [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(config.temporal.port),
        '--ui-port',
        String(config.temporal.uiPort),
        '--db-filename',
        path.join(dataDirectory, 'temporal.db'),
        '--log-level',
        'warn',
        // The server hands a just-scheduled activity back in the workflow task's reply when the
        // worker has a free slot, saving a task-queue round trip per agent step (off by default
        // in the dev server; Temporal Cloud enables it).
        '--dynamic-config-value',
        'system.enableActivityEagerExecution=true',
        // Write-ahead logging: readers don't wait on the writer and commits cost one fsync less.
        '--sqlite-pragma',
        'journal_mode=wal',
        '--sqlite-pragma',
        'synchronous=normal',
      ];
      if (config.temporal.namespace !== 'default')
        args.push('--namespace', config.temporal.namespace);
      return {
        command: tool.path,
        args,
        ports: [
          { port: config.temporal.port, setting: 'TEMPORAL_PORT' },
          { port: config.temporal.uiPort, setting: 'TEMPORAL_UI_PORT' },
        ],
      };
    }
    case 'mongodb': {
      const tool = resolveTool('ferretdb', config.toolsDirectory, progress);
      const args = [
        '--handler=sqlite',
        `--sqlite-url=file:${dataDirectory}/`,
        `--listen-addr=127.0.0.1:${config.mongodb.localPort}`,
        '--telemetry=disable',
        // FerretDB logs every failed command at warn level; errors are what an operator needs.
        '--log-level=error',
      ];
      // The stand-alone binary also opens a debug HTTP port by default; turn it off.
      if (tool.flavor === 'ferretdb') args.push('--debug-addr=-', '--state-dir', dataDirectory);
      return {
        command: tool.path,
        args,
        // FerretDB turns every inserted document into several short-lived copies (BSON, its
        // own types, SQLite JSON), so Go's collector runs often at its default (GOGC=100).
        // At 400 its heap stays tens of megabytes and an 800-page ETL costs it 0.4 CPU seconds
        // instead of 0.6 (bench/etl), CPU the crawl's extraction thread needs on two cores.
        // A GOGC set by the operator wins.
        env: process.env.GOGC ? {} : { GOGC: FERRETDB_GOGC },
        ports: [{ port: config.mongodb.localPort, setting: 'LOCAL_MONGODB_PORT' }],
      };
    }
    case 's3': {
      const tool = resolveTool('s3-server', config.toolsDirectory, progress);
      const address = `127.0.0.1:${config.s3.localPort}`;
      const ports = [{ port: config.s3.localPort, setting: 'LOCAL_S3_PORT' }];
      if (tool.flavor === 'minio') {
        return {
          command: tool.path,
          args: [
            'server',
            dataDirectory,
            '--address',
            address,
            '--console-address',
            '127.0.0.1:0',
            '--quiet',
          ],
          env: {
            MINIO_ROOT_USER: config.s3.accessKeyId,
            MINIO_ROOT_PASSWORD: config.s3.secretAccessKey,
          },
          ports,
        };
      }
      // A sidecar directory holds object metadata, so the data directory needs no xattr support.
      // (versitygw compares paths as strings, so the sidecar must not share the root's prefix.)
      const objects = path.join(dataDirectory, 'objects');
      const sidecar = path.join(dataDirectory, 'metadata');
      mkdirSync(objects, { recursive: true });
      mkdirSync(sidecar, { recursive: true });
      return {
        command: tool.path,
        args: ['--port', address, 'posix', '--sidecar', sidecar, objects],
        env: { ROOT_ACCESS_KEY: config.s3.accessKeyId, ROOT_SECRET_KEY: config.s3.secretAccessKey },
        ports,
      };
    }
  }
}

async function bringUp(
  service: ServiceName,
  config: Config,
  layout: ProcessLayout,
  progress: ProgressReporter,
  signal: AbortSignal | undefined,
): Promise<ServiceStatus> {
  const endpoint = endpointOf(service, config);
  if (isExternal(service, config)) {
    const failure = await probe(service, config);
    if (failure)
      throw new InfrastructureError(
        service,
        `the configured server at ${endpoint} does not answer: ${failure}`,
      );
    return { name: service, state: 'external', managed: false, endpoint };
  }

  const existing = readLivePidFile(layout, service);
  if (existing) {
    const healthy = await waitUntilHealthy(
      () => HEALTH_CHECKS[service](config),
      HEALTH_TIMEOUT_MS[service],
      () => isAlive(existing.pid),
    );
    if (!healthy.ok)
      throw new InfrastructureError(
        service,
        `the running server (pid ${existing.pid}) is unhealthy: ${healthy.reason}`,
        existing.logFile,
      );
    return {
      name: service,
      state: 'reused',
      managed: true,
      pid: existing.pid,
      endpoint,
      logFile: existing.logFile,
    };
  }

  const launch = launchFor(service, config, progress);
  // Something else may hold our ports: reuse it if it speaks the protocol, or say which setting to change.
  for (const { port, setting } of launch.ports) {
    if (!(await isPortInUse(port))) continue;
    if ((await probe(service, config)) === undefined) {
      return {
        name: service,
        state: 'reused',
        managed: false,
        endpoint,
        detail: `already running on port ${port}, not started by second-brain`,
      };
    }
    throw new InfrastructureError(
      service,
      `port ${port} is already in use by another program; set ${setting} to use another port`,
      undefined,
      port,
    );
  }

  // Checked right before the (synchronous) spawn: once a shutdown began, nothing new starts
  // behind its back.
  signal?.throwIfAborted();
  progress(`Starting ${service} on ${endpoint}...`);
  const started = startDetached(layout, {
    name: service,
    command: launch.command,
    args: launch.args,
    env: launch.env,
    ports: launch.ports.map((entry) => entry.port),
  });
  const healthy = await waitUntilHealthy(
    () => HEALTH_CHECKS[service](config),
    HEALTH_TIMEOUT_MS[service],
    () => isAlive(started.pid),
  );
  if (!healthy.ok) {
    await stopManaged(layout, service).catch(() => terminate(started.pid, 2_000));
    throw new InfrastructureError(service, `failed to start: ${healthy.reason}`, started.logFile);
  }
  return {
    name: service,
    state: 'started',
    managed: true,
    pid: started.pid,
    endpoint,
    logFile: started.logFile,
  };
}

/** Brings every service up (idempotently), then prepares the bucket and search attributes. */
export async function infrastructureUp(
  config: Config,
  progress: ProgressReporter,
  options: { signal?: AbortSignal } = {},
): Promise<ServiceStatus[]> {
  const layout = processLayout(config.dataDirectory);
  // Sequential on purpose: installs print progress one at a time, and the machine has 2 cores.
  const statuses: ServiceStatus[] = [];
  for (const service of SERVICE_NAMES)
    statuses.push(await bringUp(service, config, layout, progress, options.signal));

  const storage = createObjectStorage(config.s3);
  try {
    await storage.ensureBucket();
  } catch (error) {
    throw new InfrastructureError(
      's3',
      `could not create bucket ${config.s3.bucket}: ${(error as Error).message}`,
      logFileFor(layout, 's3'),
    );
  } finally {
    storage.close();
  }
  try {
    await ensureSearchAttributes(config);
  } catch (error) {
    throw new InfrastructureError(
      'temporal',
      `could not register search attributes: ${(error as Error).message}`,
      logFileFor(layout, 'temporal'),
    );
  }
  return statuses;
}

/** Stops only the servers `up` started (those with a pid file); external ones are left alone. */
export async function infrastructureDown(config: Config): Promise<ServiceStatus[]> {
  const layout = processLayout(config.dataDirectory);
  const statuses: ServiceStatus[] = [];
  for (const service of SERVICE_NAMES) {
    const stopped = await stopManaged(layout, service);
    statuses.push({
      name: service,
      state: 'stopped',
      managed: stopped,
      endpoint: endpointOf(service, config),
      detail: stopped
        ? 'stopped'
        : isExternal(service, config)
          ? 'external, left running'
          : 'was not running',
    });
  }
  return statuses;
}

export async function infrastructureStatus(config: Config): Promise<ServiceStatus[]> {
  const layout = processLayout(config.dataDirectory);
  return Promise.all(
    SERVICE_NAMES.map(async (service): Promise<ServiceStatus> => {
      const pidFile = readLivePidFile(layout, service);
      const failure = await probe(service, config);
      const endpoint = endpointOf(service, config);
      const base = {
        name: service,
        endpoint,
        managed: pidFile !== undefined,
        pid: pidFile?.pid,
        logFile: pidFile?.logFile,
      };
      if (failure === undefined)
        return { ...base, state: isExternal(service, config) ? 'external' : 'running' };
      return { ...base, state: pidFile ? 'failed' : 'stopped', detail: failure };
    }),
  );
}

/** The services whose servers `up` started under this data directory and that still run. */
export function runningManagedServices(config: Config): ServiceName[] {
  const layout = processLayout(config.dataDirectory);
  return SERVICE_NAMES.filter((service) => readLivePidFile(layout, service) !== undefined);
}

/**
 * Stops the managed servers of every service except `keep` (those that already ran before
 * the caller began, which it must leave alone). Safe to call while `up` is half done: it
 * stops whatever has a pid file by then.
 */
export async function stopManagedServicesExcept(
  config: Config,
  keep: readonly ServiceName[],
): Promise<ServiceName[]> {
  const layout = processLayout(config.dataDirectory);
  const stopped: ServiceName[] = [];
  for (const service of SERVICE_NAMES) {
    if (keep.includes(service)) continue;
    if (await stopManaged(layout, service)) stopped.push(service);
  }
  return stopped;
}
