import { log } from '@temporalio/activity';
import { COLLECTIONS } from '../domain/names.js';
import { SecondBrainError } from '../domain/errors.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../integrations/s3/object-storage.js';

interface RoundTripDocument {
  _id: string;
  text: string;
  updatedAt: Date;
}

/** Activities of the round-trip smoke test: one object in S3, one document in MongoDB. */
export function createRoundTripActivities({
  storage,
  mongo,
}: {
  storage: ObjectStorage;
  mongo: MongoDatabase;
}) {
  const documents = mongo.db.collection<RoundTripDocument>(COLLECTIONS.roundTrip);
  return {
    async writeRoundTripObject({ key, text }: { key: string; text: string }): Promise<void> {
      await storage.putObject(key, text, 'text/plain; charset=utf-8');
      log.info('Wrote round-trip object', { key, bytes: Buffer.byteLength(text) });
    },
    async readRoundTripObject({ key }: { key: string }): Promise<string> {
      const object = await storage.getObject(key);
      if (!object) throw new SecondBrainError('notFound', `S3 object ${key} does not exist`);
      return object.body.toString('utf8');
    },
    async upsertRoundTripDocument({ id, text }: { id: string; text: string }): Promise<void> {
      // Upsert keyed by the workflow id: a retried attempt rewrites the same document.
      await documents.updateOne(
        { _id: id },
        { $set: { text, updatedAt: new Date() } },
        { upsert: true },
      );
      log.info('Upserted round-trip document', { id });
    },
    async readRoundTripDocument({ id }: { id: string }): Promise<string> {
      const document = await documents.findOne({ _id: id });
      if (!document)
        throw new SecondBrainError('notFound', `MongoDB document ${id} does not exist`);
      return document.text;
    },
  };
}
