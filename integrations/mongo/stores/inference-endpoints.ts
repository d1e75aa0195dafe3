// The Inference Endpoints this platform manages and their one owner (collection
// `inference_endpoints`, one document per namespace/name): every state the summarizer endpoint
// pipeline sees is written here, where operators (and the summarizer) find the URL.
import type { Collection } from 'mongodb';
import { COLLECTIONS } from '../../../domain/names.js';
import type { EndpointSnapshot } from '../../../domain/summarizer-endpoint.js';
import type { MongoDatabase } from '../mongo-database.js';

/** One endpoint (collection inference_endpoints), keyed by namespace/name. */
export interface InferenceEndpointRecord extends EndpointSnapshot {
  _id: string;
  updatedAt: Date;
  /** When it was last seen running, and last paused by this platform. */
  runningSince?: Date | null;
  pausedAt?: Date | null;
}

export interface InferenceEndpointStore {
  /** Writes what was seen; idempotent (keyed by namespace/name). Not running clears runningSince. */
  remember(
    snapshot: EndpointSnapshot,
    extra?: Partial<Pick<InferenceEndpointRecord, 'runningSince' | 'pausedAt'>>,
  ): Promise<void>;
}

export function inferenceEndpointsCollection(
  mongo: MongoDatabase,
): Collection<InferenceEndpointRecord> {
  return mongo.db.collection<InferenceEndpointRecord>(COLLECTIONS.inferenceEndpoints);
}

export function createInferenceEndpointStore(mongo: MongoDatabase): InferenceEndpointStore {
  const endpoints = inferenceEndpointsCollection(mongo);
  return {
    async remember(snapshot, extra = {}) {
      await endpoints.updateOne(
        { _id: `${snapshot.namespace}/${snapshot.name}` },
        {
          $set: {
            ...snapshot,
            updatedAt: new Date(),
            ...(snapshot.state === 'running' ? {} : { runningSince: null }),
            ...extra,
          },
        },
        { upsert: true },
      );
    },
  };
}
