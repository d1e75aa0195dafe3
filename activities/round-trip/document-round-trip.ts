import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import type { RoundTripDocumentStore } from '../../integrations/mongo/stores/round-trip-documents.js';

export function upsertRoundTripDocument({ documents }: { documents: RoundTripDocumentStore }) {
  return async function upsertRoundTripDocument({
    id,
    text,
  }: {
    id: string;
    text: string;
  }): Promise<void> {
    // Upsert keyed by the workflow id: a retried attempt rewrites the same document.
    await documents.upsert(id, text);
    log.info('Upserted round-trip document', { id });
  };
}

export function readRoundTripDocument({ documents }: { documents: RoundTripDocumentStore }) {
  return async function readRoundTripDocument({ id }: { id: string }): Promise<string> {
    const text = await documents.read(id);
    if (text === undefined)
      throw new SecondBrainError('notFound', `MongoDB document ${id} does not exist`);
    return text;
  };
}
