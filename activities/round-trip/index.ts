// Activities of the round-trip smoke test: one object in S3, one document in MongoDB, each
// written and read back.
import { COLLECTIONS } from '../../domain/names.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';
import {
  readRoundTripDocument,
  upsertRoundTripDocument,
  type RoundTripDocument,
} from './document-round-trip.js';
import { readRoundTripObject, writeRoundTripObject } from './object-round-trip.js';

export function createRoundTripActivities({
  storage,
  mongo,
}: {
  storage: ObjectStorage;
  mongo: MongoDatabase;
}) {
  const documents = mongo.db.collection<RoundTripDocument>(COLLECTIONS.roundTrip);
  return {
    writeRoundTripObject: writeRoundTripObject({ storage }),
    readRoundTripObject: readRoundTripObject({ storage }),
    upsertRoundTripDocument: upsertRoundTripDocument({ documents }),
    readRoundTripDocument: readRoundTripDocument({ documents }),
  };
}
