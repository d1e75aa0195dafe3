// Activities of the round-trip smoke test: one object in S3, one document in MongoDB, each
// written and read back.
import type { RoundTripDocumentStore } from '../../integrations/mongo/stores/round-trip-documents.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';
import { readRoundTripDocument, upsertRoundTripDocument } from './document-round-trip.js';
import { readRoundTripObject, writeRoundTripObject } from './object-round-trip.js';

export function createRoundTripActivities({
  storage,
  documents,
}: {
  storage: ObjectStorage;
  documents: RoundTripDocumentStore;
}) {
  return {
    writeRoundTripObject: writeRoundTripObject({ storage }),
    readRoundTripObject: readRoundTripObject({ storage }),
    upsertRoundTripDocument: upsertRoundTripDocument({ documents }),
    readRoundTripDocument: readRoundTripDocument({ documents }),
  };
}
