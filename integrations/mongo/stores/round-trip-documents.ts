// The `round_trip` collection and its one owner: the round-trip smoke test's documents, one per
// workflow, keyed by the workflow id so a retried attempt rewrites the same document.
import type { Collection } from 'mongodb';
import { COLLECTIONS } from '../../../domain/names.js';
import type { MongoDatabase } from '../mongo-database.js';

interface RoundTripDocument {
  _id: string;
  text: string;
  updatedAt: Date;
}

export interface RoundTripDocumentStore {
  upsert(id: string, text: string): Promise<void>;
  /** The document's text, or undefined when there is none. */
  read(id: string): Promise<string | undefined>;
}

export function createRoundTripDocumentStore(mongo: MongoDatabase): RoundTripDocumentStore {
  const documents: Collection<RoundTripDocument> = mongo.db.collection(COLLECTIONS.roundTrip);
  return {
    async upsert(id, text) {
      await documents.updateOne(
        { _id: id },
        { $set: { text, updatedAt: new Date() } },
        { upsert: true },
      );
    },
    async read(id) {
      return (await documents.findOne({ _id: id }))?.text;
    },
  };
}
