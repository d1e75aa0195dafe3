// indexRagBatch: chunks, contextualizes and embeds one batch of the plan's changed documents.
// Documents already marked done in this version are skipped (a retried activity), and one
// document that cannot be indexed is reported without failing the others.
import { log } from '@temporalio/activity';
import { documentSchema, type Document } from '../../domain/document.js';
import { SecondBrainError } from '../../domain/errors.js';
import {
  DOCUMENTS_PER_ACTIVITY,
  type RagBatchResult,
  type RagIndexSettings,
} from '../../domain/rag/rag-index.js';
import type { RagChunkRecord } from '../../domain/rag/rag-records.js';
import { indexDocument, type DocumentIndexing } from './index-document.js';
import type { RagContext } from './rag-context.js';

export async function indexRagBatch(
  context: RagContext,
  {
    buildVersion,
    batchIndex,
    settings,
  }: { buildVersion: string; batchIndex: number; settings: RagIndexSettings },
): Promise<RagBatchResult> {
  const { rag } = context;
  const model = await context.embeddingModel(settings);
  const llm = await context.chatModel(settings);
  const plan = await context.readPlan(buildVersion);
  const ids = plan.changed.slice(
    batchIndex * DOCUMENTS_PER_ACTIVITY,
    (batchIndex + 1) * DOCUMENTS_PER_ACTIVITY,
  );
  const result: RagBatchResult = {
    documents: ids.length,
    resumed: 0,
    failed: [],
    chunks: 0,
    parents: 0,
    embedded: 0,
    reusedEmbeddings: 0,
    contextsGenerated: 0,
    contextsCached: 0,
  };
  const done = new Set<string>();
  for await (const record of rag.find({
    indexVersion: buildVersion,
    kind: 'document',
    documentId: { $in: ids },
  })) {
    done.add(record.documentId);
  }
  // Vectors of the serving version, to reuse for texts that did not change.
  const reusable = new Map<string, number[]>();
  if (plan.servingVersion) {
    for await (const record of rag.find(
      { indexVersion: plan.servingVersion, kind: 'chunk', documentId: { $in: ids } },
      { projection: { embeddingKey: 1, embedding: 1 } },
    )) {
      const chunk = record as RagChunkRecord;
      if (chunk.embeddingKey) reusable.set(chunk.embeddingKey, chunk.embedding);
    }
  }

  const documents = new Map<string, Document>();
  for await (const fields of context.raw.fieldsByIds(ids)) {
    const parsed = documentSchema.safeParse(fields);
    if (!parsed.success) {
      result.failed.push({
        documentId: String(fields.id),
        reason: `invalid document: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      });
      continue;
    }
    documents.set(parsed.data.id, parsed.data);
  }

  const job: DocumentIndexing = {
    buildVersion,
    settings,
    model,
    llm,
    reusable,
    result,
    counters: { generated: 0, cached: 0 },
  };
  for (const [position, documentId] of ids.entries()) {
    if (done.has(documentId)) {
      result.resumed++;
      continue;
    }
    const document = documents.get(documentId);
    if (!document) {
      if (!result.failed.some((failure) => failure.documentId === documentId)) {
        result.failed.push({ documentId, reason: 'no longer in raw' });
      }
      continue;
    }
    try {
      const outcome = await indexDocument(context, job, document, position);
      result.chunks += outcome.chunks;
      result.parents += outcome.parents;
    } catch (error) {
      // A definitive failure of one document (e.g. the LLM refuses it) is reported and the
      // rest proceeds; transient failures fail the attempt so Temporal retries it.
      if (error instanceof SecondBrainError && !error.retryable) {
        result.failed.push({ documentId, reason: error.message });
        log.warn('Skipped a document that cannot be indexed', {
          documentId,
          reason: error.message,
        });
        continue;
      }
      throw error;
    }
  }
  result.contextsGenerated = job.counters.generated;
  result.contextsCached = job.counters.cached;
  log.info('Indexed rag batch', {
    buildVersion,
    batchIndex,
    ...result,
    failed: result.failed.length,
  });
  return result;
}
