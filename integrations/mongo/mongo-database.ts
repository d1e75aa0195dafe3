// MongoDB access. The code stays within the subset that FerretDB v1, MongoDB Community and
// Atlas all run: no transactions, no $lookup/$facet, $group only with $sum/$count.
import { MongoClient, type Db } from 'mongodb';
import type { Config } from '../../config/environment.js';
import { SecondBrainError, isTransientNetworkError } from '../../domain/errors.js';

export type MongoSettings = Pick<Config['mongodb'], 'uri' | 'database'>;

export interface MongoDatabase {
  readonly client: MongoClient;
  readonly db: Db;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectMongo(
  settings: MongoSettings,
  options: { serverSelectionTimeoutMS?: number } = {},
): Promise<MongoDatabase> {
  const client = new MongoClient(settings.uri, {
    // Temporal owns retries; a database outage should fail the attempt quickly and be retried there.
    retryReads: false,
    retryWrites: false,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    connectTimeoutMS: 5_000,
    appName: 'second-brain',
  });
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw toDatabaseError(error, 'connect');
  }
  const db = client.db(settings.database);
  return {
    client,
    db,
    async ping() {
      try {
        await db.command({ ping: 1 });
      } catch (error) {
        throw toDatabaseError(error, 'ping');
      }
    },
    close: () => client.close(),
  };
}

/** Network and server-selection errors are transient; everything else keeps its own identity. */
export function toDatabaseError(error: unknown, action: string): unknown {
  if (isTransientNetworkError(error)) {
    return new SecondBrainError(
      'transient',
      `MongoDB ${action} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return error;
}
