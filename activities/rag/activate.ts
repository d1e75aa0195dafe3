// activateRagIndex: publishes the finished build to the search backend's tables (LanceDB: one
// new table per version), then switches the serving pointer with a compare-and-swap on the
// version it was built from, then drops the tables of versions older than the one it replaced.
// Readers follow the pointer, so they only ever open a complete table, a reader still on the
// replaced version keeps its table until the next switch, and a retry after the switch publishes
// nothing again.
import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import type { RagActivation, RagIndexSettings } from '../../domain/rag/rag-index.js';
import { SERVING_STATE_ID, type RagServingState } from '../../domain/rag/rag-records.js';
import { readServingState } from '../../integrations/search/rag-records.js';
import { withHeartbeat } from '../with-heartbeat.js';
import { heartbeat, type RagContext } from './rag-context.js';

export async function activateRagIndex(
  context: RagContext,
  { buildVersion, settings }: { buildVersion: string; settings: RagIndexSettings },
): Promise<RagActivation> {
  const { db, rag, state } = context;
  const model = await context.embeddingModel(settings);
  const current = await readServingState(db);
  const chunkCount = await rag.countDocuments({ indexVersion: buildVersion, kind: 'chunk' });
  const documentCount = await rag.countDocuments({
    indexVersion: buildVersion,
    kind: 'document',
  });
  if (current?.indexVersion !== buildVersion) {
    const plan = await context.readPlan(buildVersion);
    if ((current?.indexVersion ?? null) !== plan.servingVersion) {
      throw new SecondBrainError(
        'permanent',
        `Another rag build (${current?.indexVersion}) was switched in while ${buildVersion} was built from ${plan.servingVersion}; run the pipeline again`,
      );
    }
    // Heartbeats between batches too: compaction and the index builds are single long calls.
    await withHeartbeat(async () =>
      context.searchTables?.publish(db, buildVersion, model.dimensions, (rows) =>
        heartbeat({ publishedRows: rows }),
      ),
    );
    const serving: RagServingState = {
      _id: SERVING_STATE_ID,
      indexVersion: buildVersion,
      configKey: plan.configKey,
      embedding: { provider: model.provider, modelId: model.modelId, dimensions: model.dimensions },
      retriever: settings.retriever,
      chunkCount,
      documentCount,
      activatedAt: new Date(),
      previousIndexVersion: current?.indexVersion ?? null,
    };
    // Compare-and-swap on the version read above: one document, atomic everywhere.
    const filter = current
      ? { _id: SERVING_STATE_ID, indexVersion: current.indexVersion }
      : { _id: SERVING_STATE_ID };
    const { _id: _omit, ...fields } = serving;
    const update = await state.updateOne(filter, { $set: fields }, { upsert: current === null });
    if (update.matchedCount === 0 && update.upsertedCount === 0) {
      throw new SecondBrainError('transient', 'The serving rag version changed during the switch');
    }
  }
  const deleted = await rag.deleteMany({ indexVersion: { $ne: buildVersion } });
  await state.deleteMany({ kind: 'build' });
  // Read again: a retry after the switch must keep the same previous version as the first try.
  const switched = await readServingState(db);
  await context.searchTables?.retire(db, [
    buildVersion,
    ...(switched?.indexVersion === buildVersion && switched.previousIndexVersion
      ? [switched.previousIndexVersion]
      : []),
  ]);
  log.info('Switched the serving rag index', { buildVersion, chunkCount, documentCount });
  return {
    indexVersion: buildVersion,
    chunkCount,
    documentCount,
    deletedRecords: deleted.deletedCount,
  };
}
