import { log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createRagActivities } from '../activities/rag/index.js';
import type { RagBatchResult, RagIndexResult } from '../domain/rag/rag-index.js';
import type { StageProgress } from '../domain/progress.js';
import { PIPELINE_RETRY, STORAGE_ACTIVITY } from './activity-policies.js';
import { parseInput } from './parse-input.js';
import { progressQuery } from './progress-query.js';

type RagActivities = ReturnType<typeof createRagActivities>;

/** Planning: quick reads and single-document writes. */
const control = proxyActivities<Pick<RagActivities, 'planRagIndex'>>(STORAGE_ACTIVITY);

/**
 * Copying, chunking, LLM contexts and embedding, and the switch, which first publishes the
 * version's search tables (LanceDB: minutes at a million chunks): long, so they heartbeat.
 */
const work = proxyActivities<
  Pick<RagActivities, 'copyUnchangedRagRecords' | 'indexRagBatch' | 'activateRagIndex'>
>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 minutes',
  retry: PIPELINE_RETRY,
});

/**
 * Builds the rag index from the `raw` documents: plans what changed since the serving version,
 * builds a new version beside it (unchanged documents copied with their vectors, changed ones
 * chunked, contextualized and embedded in batches), then switches the serving pointer in one
 * atomic write. With nothing changed it does nothing. History holds ids and counts only.
 */
export async function ragIndex(rawInput: unknown = {}): Promise<RagIndexResult> {
  const settings = await parseInput('ragIndex', rawInput);
  const { workflowId, runId } = workflowInfo();
  const buildVersion = `${workflowId}.${runId.slice(0, 8)}`;

  const progress: Record<'plan' | 'copy' | 'batches' | 'activate', StageProgress> = {
    plan: { stage: 'plan', done: 0, failed: 0, pending: 1, total: 1 },
    copy: { stage: 'copy unchanged', done: 0, failed: 0, pending: 1, total: 1 },
    batches: { stage: 'chunk, contextualize, embed', done: 0, failed: 0, pending: 0 },
    activate: { stage: 'activate', done: 0, failed: 0, pending: 1, total: 1 },
  };
  // Chunks embedded so far: the number `start` shows; its total is unknown until the end.
  const embedded = { stage: 'chunks embedded', done: 0, failed: 0, pending: 0 };
  setHandler(progressQuery, () => ({ stages: [...Object.values(progress), embedded] }));

  // Summaries make the event history in the Temporal UI read as a story.
  const plan = await control.planRagIndex.executeWithOptions(
    { summary: 'Compare raw documents with the serving index and plan the build' },
    [{ settings, buildVersion }],
  );
  progress.plan = { ...progress.plan, done: 1, pending: 0 };
  progress.batches = { ...progress.batches, pending: plan.batches, total: plan.batches };
  const totals: Omit<RagBatchResult, 'documents' | 'resumed'> = {
    failed: [],
    chunks: 0,
    parents: 0,
    embedded: 0,
    reusedEmbeddings: 0,
    contextsGenerated: 0,
    contextsCached: 0,
  };
  const summary = (
    indexVersion: string,
    copiedRecords: number,
    chunkCount: number,
  ): RagIndexResult => ({
    indexVersion,
    previousVersion: plan.servingVersion,
    upToDate: plan.upToDate,
    fullRebuild: plan.fullRebuild,
    embedding: plan.embedding,
    documents: { ...plan.documents, failed: totals.failed },
    chunks: totals.chunks,
    copiedRecords,
    embedded: totals.embedded,
    reusedEmbeddings: totals.reusedEmbeddings,
    contextsGenerated: totals.contextsGenerated,
    contextsCached: totals.contextsCached,
    chunkCount,
  });
  if (plan.upToDate) {
    log.info('The rag index is up to date; nothing to embed', {
      indexVersion: plan.servingVersion,
    });
    return summary(plan.servingVersion ?? '', 0, 0);
  }

  const copiedRecords = await work.copyUnchangedRagRecords.executeWithOptions(
    { summary: 'Copy the unchanged documents with their vectors into the new version' },
    [{ buildVersion }],
  );
  progress.copy = { ...progress.copy, done: 1, pending: 0 };
  for (let batchIndex = 0; batchIndex < plan.batches; batchIndex++) {
    const batch = await work.indexRagBatch.executeWithOptions(
      {
        summary: `Chunk, contextualize and embed document batch ${batchIndex + 1} of ${plan.batches}`,
      },
      [{ buildVersion, batchIndex, settings }],
    );
    progress.batches.done += 1;
    progress.batches.pending -= 1;
    totals.failed.push(...batch.failed);
    totals.chunks += batch.chunks;
    totals.parents += batch.parents;
    totals.embedded += batch.embedded;
    embedded.done = totals.chunks;
    embedded.failed = totals.failed.length;
    totals.reusedEmbeddings += batch.reusedEmbeddings;
    totals.contextsGenerated += batch.contextsGenerated;
    totals.contextsCached += batch.contextsCached;
  }
  const activation = await work.activateRagIndex.executeWithOptions(
    { summary: `Switch the serving index to ${buildVersion}` },
    [{ buildVersion, settings }],
  );
  progress.activate = { ...progress.activate, done: 1, pending: 0 };
  log.info('Built and switched the rag index', { buildVersion, chunkCount: activation.chunkCount });
  return summary(activation.indexVersion, copiedRecords, activation.chunkCount);
}
