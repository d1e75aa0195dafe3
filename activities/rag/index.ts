// The ragIndex workflow's activities: plan (what changed since the serving index), copy the
// unchanged documents' records into the new version, chunk + contextualize + embed the changed
// ones in batches, and switch the serving pointer. Every write is keyed by (version, stable id),
// and a document's `document` record is written last, so a retried activity skips what is done.
import type { RagActivation, RagBatchResult, RagIndexPlan } from '../../domain/rag/rag-index.js';
import { activateRagIndex } from './activate.js';
import { copyUnchangedRagRecords } from './copy-unchanged.js';
import { indexRagBatch } from './index-batch.js';
import { planRagIndex } from './plan.js';
import { createRagContext, type RagActivityDependencies } from './rag-context.js';

export type { RagActivityDependencies } from './rag-context.js';

type Input<F> = F extends (context: never, input: infer I) => unknown ? I : never;

export function createRagActivities(dependencies: RagActivityDependencies) {
  const context = createRagContext(dependencies);
  return {
    planRagIndex: (input: Input<typeof planRagIndex>): Promise<RagIndexPlan> =>
      planRagIndex(context, input),
    /** Copies the records of unchanged documents from the serving version (vectors included). */
    copyUnchangedRagRecords: (input: Input<typeof copyUnchangedRagRecords>): Promise<number> =>
      copyUnchangedRagRecords(context, input),
    /** Chunks, contextualizes and embeds one batch of the plan's changed documents. */
    indexRagBatch: (input: Input<typeof indexRagBatch>): Promise<RagBatchResult> =>
      indexRagBatch(context, input),
    /** Publishes the search tables, switches the serving pointer, drops the other versions. */
    activateRagIndex: (input: Input<typeof activateRagIndex>): Promise<RagActivation> =>
      activateRagIndex(context, input),
  };
}
