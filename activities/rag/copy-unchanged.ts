// copyUnchangedRagRecords: the unchanged documents' records (vectors included) copied from the
// serving version into the new one, keyed by (version, id) so a retry rewrites the same records.
import { log } from '@temporalio/activity';
import type { AnyBulkWriteOperation } from 'mongodb';
import { ragRecordId, type RagRecord } from '../../domain/rag/rag-records.js';
import { heartbeat, type RagContext } from './rag-context.js';

export async function copyUnchangedRagRecords(
  context: RagContext,
  { buildVersion }: { buildVersion: string },
): Promise<number> {
  const { rag } = context;
  const plan = await context.readPlan(buildVersion);
  if (!plan.servingVersion || plan.unchanged.length === 0) return 0;
  let copied = 0;
  for (let start = 0; start < plan.unchanged.length; start += 100) {
    const ids = plan.unchanged.slice(start, start + 100);
    const operations: AnyBulkWriteOperation<RagRecord>[] = [];
    for await (const record of rag.find({
      indexVersion: plan.servingVersion,
      documentId: { $in: ids },
    })) {
      const id = record.kind === 'document' ? record.documentId : record.chunkId;
      const prefix = record.kind === 'document' ? 'document:' : '';
      const copy = {
        ...record,
        _id: ragRecordId(buildVersion, `${prefix}${id}`),
        indexVersion: buildVersion,
      };
      operations.push({
        replaceOne: { filter: { _id: copy._id }, replacement: copy, upsert: true },
      });
    }
    if (operations.length > 0) await rag.bulkWrite(operations, { ordered: false });
    copied += operations.length;
    heartbeat({ copied, documents: start + ids.length });
  }
  log.info('Copied unchanged rag records', { buildVersion, copied });
  return copied;
}
