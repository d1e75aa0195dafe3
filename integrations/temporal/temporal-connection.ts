// How every process reaches Temporal: the CLI, schedules and tests through a client
// connection, the workers through a native one. One place for the address and namespace (and
// later the transport settings) so a client and a worker can never disagree about the server.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../../config/environment.js';
import { temporalConnectionOptions } from './connection-options.js';
import { createDataConverter } from './data-converter.js';

export async function connectTemporalClient(config: Config): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config),
  });
}

export function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config.temporal));
}
