// Whether each embedded server answers: the health checks `up` waits on and `status` reports,
// and the search attributes Temporal must know before any run is started.
import type { ServiceName } from './local-infrastructure.js';
import { Connection } from '@temporalio/client';
import type { Config } from '../config/environment.js';
import { SEARCH_ATTRIBUTES } from '../domain/names.js';
import { connectMongo } from '../integrations/mongo/mongo-database.js';
import { createObjectStorage } from '../integrations/s3/object-storage.js';
import { temporalConnectionOptions } from '../integrations/temporal/connection-options.js';

export const HEALTH_TIMEOUT_MS = { temporal: 90_000, mongodb: 30_000, s3: 30_000 } as const;
const PROBE_TIMEOUT_MS = 3_000;

// ---------------------------------------------------------------------------------------------
// Health checks: each proves the server speaks its protocol, not merely that a port is open.

async function checkTemporal(config: Config): Promise<void> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(config.temporal),
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  try {
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace: config.temporal.namespace });
  } finally {
    await connection.close();
  }
}

async function checkTemporalUi(config: Config): Promise<void> {
  const response = await fetch(config.temporal.uiUrl, {
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  });
  const body = await response.text();
  if (!response.ok || !/<html/i.test(body))
    throw new Error(`UI at ${config.temporal.uiUrl} answered ${response.status} without HTML`);
}

async function checkMongo(config: Config): Promise<void> {
  const database = await connectMongo(config.mongodb, {
    serverSelectionTimeoutMS: PROBE_TIMEOUT_MS,
  });
  try {
    await database.ping();
  } finally {
    await database.close();
  }
}

async function checkS3(config: Config): Promise<void> {
  const storage = createObjectStorage(config.s3);
  try {
    await storage.listBuckets();
  } finally {
    storage.close();
  }
}

export const HEALTH_CHECKS: Record<ServiceName, (config: Config) => Promise<void>> = {
  temporal: async (config) => {
    await checkTemporal(config);
    if (!config.temporal.externalAddress) await checkTemporalUi(config);
  },
  mongodb: checkMongo,
  s3: checkS3,
};

/** Registers the custom search attributes the pipelines use; already-registered is fine. */
export async function ensureSearchAttributes(config: Config): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  try {
    const existing = await connection.operatorService.listSearchAttributes({
      namespace: config.temporal.namespace,
    });
    const missing = Object.values(SEARCH_ATTRIBUTES).filter(
      (attribute) => !(attribute.name in existing.customAttributes),
    );
    if (missing.length === 0) return;
    const typeCodes = { KEYWORD: 2, INT: 3 } as const; // temporal.api.enums.v1.IndexedValueType
    await connection.operatorService.addSearchAttributes({
      namespace: config.temporal.namespace,
      searchAttributes: Object.fromEntries(
        missing.map((attribute) => [attribute.name, typeCodes[attribute.type]]),
      ),
    });
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Launch commands.

/** Whether the configuration points at a server this machine does not manage. */
export function isExternal(service: ServiceName, config: Config): boolean {
  switch (service) {
    case 'temporal':
      return config.temporal.externalAddress !== undefined;
    case 'mongodb':
      return config.mongodb.externalUri !== undefined;
    case 's3':
      return config.s3.externalEndpoint !== undefined;
  }
}

/** Where the service is reached, with any password in a MongoDB URI masked. */
export function endpointOf(service: ServiceName, config: Config): string {
  switch (service) {
    case 'temporal':
      return config.temporal.address;
    case 'mongodb':
      return config.mongodb.uri.replace(/\/\/[^@/]*@/, '//***@');
    case 's3':
      return config.s3.endpoint;
  }
}

/** undefined when the service answers, else why not. */
export async function probe(service: ServiceName, config: Config): Promise<string | undefined> {
  try {
    await HEALTH_CHECKS[service](config);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
