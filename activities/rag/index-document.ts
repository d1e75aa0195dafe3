// One document of an indexing batch: chunk it, contextualize, reuse or compute the vectors,
// replace whatever an earlier attempt left for it, and write its marker last.
import { chunkDocument } from '../../domain/chunking/document-chunker.js';
import { contentHash as hashContent, type Document } from '../../domain/document.js';
import { SecondBrainError } from '../../domain/errors.js';
import {
  chunkRecords,
  documentMarker,
  parentRecords,
  reuseEmbeddings,
  type IndexedDocument,
} from '../../domain/rag/chunk-records.js';
import { documentFingerprint } from '../../domain/rag/index-fingerprint.js';
import type { RagBatchResult, RagIndexSettings } from '../../domain/rag/rag-index.js';
import { indexedText, type RagRecord } from '../../domain/rag/rag-records.js';
import type { EmbeddingModel } from '../../integrations/embeddings/embedding-model.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import { chunkContexts, type ContextCounters } from './chunk-contexts.js';
import { heartbeat, type RagContext } from './rag-context.js';

export interface DocumentIndexing {
  buildVersion: string;
  settings: RagIndexSettings;
  model: EmbeddingModel;
  llm: ChatModel | undefined;
  /** Vectors of the serving version by embedding key. */
  reusable: ReadonlyMap<string, number[]>;
  result: RagBatchResult;
  counters: ContextCounters;
}

export async function indexDocument(
  context: RagContext,
  job: DocumentIndexing,
  document: Document,
  position: number,
): Promise<{ chunks: number; parents: number }> {
  const { buildVersion, settings, model, result } = job;
  const contentHash = document.contentHash ?? hashContent(document.content);
  const indexed: IndexedDocument = {
    id: document.id,
    url: document.metadata.url,
    title: document.metadata.title,
    contentHash,
    documentHash: documentFingerprint(contentHash, document.metadata.url, document.metadata.title),
  };
  const { chunks, parents } = chunkDocument(document.id, document.content, {
    retriever: settings.retriever,
    chunkSize: settings.chunkSize,
    chunkOverlap: settings.chunkOverlap,
    tokenizer: context.tokenizer,
  });
  const contexts = await chunkContexts(
    context,
    document,
    contentHash,
    chunks,
    job.llm,
    settings,
    job.counters,
    position,
  );
  const records = chunkRecords(buildVersion, indexed, chunks, contexts, model);
  const { pending, reused } = reuseEmbeddings(records, job.reusable, model.dimensions);
  result.reusedEmbeddings += reused;
  const batchSize = Math.max(1, Math.min(settings.batchSize, model.maxBatchSize));
  for (let start = 0; start < pending.length; start += batchSize) {
    const batch = pending.slice(start, start + batchSize);
    const vectors = await model.embed(batch.map((record) => indexedText(record)));
    if (vectors.length !== batch.length) {
      throw new SecondBrainError(
        'permanent',
        `${model.provider}/${model.modelId} returned ${vectors.length} vectors for ${batch.length} texts`,
      );
    }
    batch.forEach((record, index) => {
      const vector = vectors[index] as Float32Array;
      if (vector.length !== model.dimensions) {
        throw new SecondBrainError(
          'permanent',
          `${model.provider}/${model.modelId} returned a vector of ${vector.length} dimensions, expected ${model.dimensions}`,
        );
      }
      record.embedding = Array.from(vector);
    });
    result.embedded += batch.length;
    heartbeat({ batchPosition: position, embedded: result.embedded });
  }

  const parentsOfDocument = parentRecords(buildVersion, indexed, parents);
  // Replace whatever a failed earlier attempt left for this document, then mark it done.
  await context.rag.deleteMany({ indexVersion: buildVersion, documentId: document.id });
  const all: RagRecord[] = [...records, ...parentsOfDocument];
  for (let start = 0; start < all.length; start += 500) {
    await context.rag.insertMany(all.slice(start, start + 500), { ordered: false });
  }
  const marker = documentMarker(buildVersion, indexed, records.length);
  await context.rag.replaceOne({ _id: marker._id }, marker, { upsert: true });
  heartbeat({ batchPosition: position + 1 });
  return { chunks: records.length, parents: parentsOfDocument.length };
}
