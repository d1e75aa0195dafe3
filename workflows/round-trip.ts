import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createRoundTripActivities } from '../activities/round-trip/index.js';
import type { RoundTripResult } from '../domain/round-trip.js';
import { STORAGE_PREFIXES } from '../domain/names.js';
import { parseInput } from './parse-input.js';

const storageActivities = proxyActivities<ReturnType<typeof createRoundTripActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
});

/**
 * The foundation's smoke test: proves a worker can reach S3 and MongoDB durably. It writes the
 * message to both stores, reads both back, and returns what it read.
 */
export async function roundTrip(rawInput: unknown = {}): Promise<RoundTripResult> {
  const { message } = await parseInput('roundTrip', rawInput);
  const { workflowId } = workflowInfo();
  const objectKey = `${STORAGE_PREFIXES.roundTrip}${workflowId}.txt`;

  // Summaries make the event history read as a story in the Temporal UI.
  await storageActivities.writeRoundTripObject.executeWithOptions(
    { summary: `Write the message to S3 as ${objectKey}` },
    [{ key: objectKey, text: message }],
  );
  await storageActivities.upsertRoundTripDocument.executeWithOptions(
    { summary: 'Upsert the message into MongoDB' },
    [{ id: workflowId, text: message }],
  );
  const [objectText, documentText] = await Promise.all([
    storageActivities.readRoundTripObject.executeWithOptions(
      { summary: 'Read the object back from S3' },
      [{ key: objectKey }],
    ),
    storageActivities.readRoundTripDocument.executeWithOptions(
      { summary: 'Read the document back from MongoDB' },
      [{ id: workflowId }],
    ),
  ]);
  const matches = objectText === message && documentText === message;
  log.info('Round trip finished', { objectKey, matches });
  return { objectKey, objectText, documentId: workflowId, documentText, matches };
}
