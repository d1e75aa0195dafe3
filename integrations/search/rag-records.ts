// The `rag` and `rag_index_state` collections. The record shapes and ids are pure and live in
// domain/rag/rag-records.ts; they are re-exported here for the adapters that read them.
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from '../../domain/names.js';
import {
  SERVING_STATE_ID,
  type RagRecord,
  type RagServingState,
  type RagStateRecord,
} from '../../domain/rag/rag-records.js';

export * from '../../domain/rag/rag-records.js';

export function ragCollection(db: Db): Collection<RagRecord> {
  return db.collection<RagRecord>(COLLECTIONS.rag);
}

export function ragStateCollection(db: Db): Collection<RagStateRecord> {
  return db.collection<RagStateRecord>(COLLECTIONS.ragIndexState);
}

export async function readServingState(db: Db): Promise<RagServingState | null> {
  const state = await ragStateCollection(db).findOne({ _id: SERVING_STATE_ID });
  return state && !('kind' in state) ? (state as RagServingState) : null;
}
