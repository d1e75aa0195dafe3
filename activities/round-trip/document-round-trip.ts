import { log } from '@temporalio/activity';
import type { Collection } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';

export interface RoundTripDocument {
  _id: string;
  text: string;
  updatedAt: Date;
}

export function upsertRoundTripDocument({
  documents,
}: {
  documents: Collection<RoundTripDocument>;
}) {
  return async function upsertRoundTripDocument({
    id,
    text,
  }: {
    id: string;
    text: string;
  }): Promise<void> {
    // Upsert keyed by the workflow id: a retried attempt rewrites the same document.
    await documents.updateOne(
      { _id: id },
      { $set: { text, updatedAt: new Date() } },
      { upsert: true },
    );
    log.info('Upserted round-trip document', { id });
  };
}

export function readRoundTripDocument({ documents }: { documents: Collection<RoundTripDocument> }) {
  return async function readRoundTripDocument({ id }: { id: string }): Promise<string> {
    const document = await documents.findOne({ _id: id });
    if (!document) throw new SecondBrainError('notFound', `MongoDB document ${id} does not exist`);
    return document.text;
  };
}
