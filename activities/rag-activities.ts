// Activities of the ragIndex workflow: plan (what changed since the serving index), copy the
// unchanged documents' records into the new version, chunk + contextualize + embed the changed
// ones in batches, and switch the serving pointer. Every write is keyed by (version, stable id),
// and a document's `document` record is written last, so a retried activity skips what is done.
import { Context, log } from '@temporalio/activity';
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import { chunkDocument } from '../domain/chunking/document-chunker.js';
import { sha256Hex } from '../domain/chunking/chunk-id.js';
import { resolveChunkOverlap } from '../domain/chunking/markdown-chunker.js';
import { cl100kTokenizer, type Tokenizer } from '../domain/chunking/tokenizer.js';
import { contentHash as hashContent, documentSchema, type Document } from '../domain/document.js';
import { SecondBrainError } from '../domain/errors.js';
import { COLLECTIONS } from '../domain/names.js';
import {
  CONTEXT_MAX_TOKENS,
  chunkContextPrompt,
  documentSummaryPrompt,
  truncateToTokenBudget,
  type PromptMessages,
} from '../domain/rag/contextual-prompts.js';
import { passesQualityFilter } from '../domain/rag/quality-filter.js';
import {
  DOCUMENTS_PER_ACTIVITY,
  type RagActivation,
  type RagBatchResult,
  type RagIndexPlan,
  type RagIndexSettings,
} from '../domain/rag/rag-index.js';
import type { EmbeddingModel } from '../integrations/embeddings/embedding-model.js';
import {
  HASHING_PROVIDER,
  HashingEmbeddingModel,
} from '../integrations/embeddings/hashing-embedding-model.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import {
  SERVING_STATE_ID,
  indexedText,
  ragCollection,
  ragRecordId,
  ragStateCollection,
  readServingState,
  type RagBuildPlan,
  type RagChunkRecord,
  type RagDocumentRecord,
  type RagParentRecord,
  type RagRecord,
  type RagServingState,
} from '../integrations/search/rag-records.js';

/** Bumped when chunking or record layout changes, so old indexes are rebuilt, not reused. */
const INDEX_FORMAT = 'rag-v1';

export interface RagActivityDependencies {
  mongo: MongoDatabase;
  /** The worker's embedding model (`embeddingProvider: 'default'`), or its loader. */
  embeddings?: EmbeddingModel | (() => Promise<EmbeddingModel>);
  /** The chat model for contextual retrieval (contextualMode simple/full), or its loader. */
  llm?: ChatModel | (() => Promise<ChatModel>);
  /** Why the worker's models could not load (e.g. "run second-brain models pull"). */
  modelProblems?: string[];
  tokenizer?: Tokenizer;
}

interface RawSummary {
  id: string;
  url: string;
  title: string;
  documentHash: string;
}

function planId(buildVersion: string): string {
  return `build:${buildVersion}`;
}

function heartbeat(details: unknown): void {
  // Outside a Temporal activity (e.g. a direct call in a script) there is nothing to heartbeat.
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity */
  }
}

export function createRagActivities(dependencies: RagActivityDependencies) {
  const { db } = dependencies.mongo;
  const tokenizer = dependencies.tokenizer ?? cl100kTokenizer();
  const rag = ragCollection(db);
  const state = ragStateCollection(db);
  const contexts = db.collection<{ _id: string; context: string; model: string; createdAt: Date }>(
    COLLECTIONS.ragContextCache,
  );

  const problems = () =>
    dependencies.modelProblems && dependencies.modelProblems.length > 0
      ? ` (${dependencies.modelProblems.join('; ')})`
      : '';

  async function embeddingModel(settings: RagIndexSettings): Promise<EmbeddingModel> {
    let model: EmbeddingModel | undefined;
    if (settings.embeddingProvider === HASHING_PROVIDER) {
      model = new HashingEmbeddingModel();
    } else {
      const source = dependencies.embeddings;
      model = typeof source === 'function' ? await source() : source;
      if (!model) {
        throw new SecondBrainError(
          'validation',
          `No embedding model is available on this worker${problems()}; configure one, or run with {"embeddingProvider":"hashing"} for the built-in lexical model`,
        );
      }
      if (
        settings.embeddingProvider !== 'default' &&
        settings.embeddingProvider !== model.provider
      ) {
        throw new SecondBrainError(
          'validation',
          `embeddingProvider "${settings.embeddingProvider}" was asked for, but this worker serves "${model.provider}"`,
        );
      }
    }
    if (settings.embeddingModel && settings.embeddingModel !== model.modelId) {
      throw new SecondBrainError(
        'validation',
        `embeddingModel "${settings.embeddingModel}" was asked for, but the ${model.provider} provider serves "${model.modelId}"`,
      );
    }
    return model;
  }

  async function chatModel(settings: RagIndexSettings): Promise<ChatModel | undefined> {
    if (settings.contextualMode === 'none') return undefined;
    const source = dependencies.llm;
    const llm = typeof source === 'function' ? await source() : source;
    if (!llm) {
      throw new SecondBrainError(
        'validation',
        `contextualMode "${settings.contextualMode}" needs a chat model, and none is available on this worker${problems()}; use contextualMode "none" or configure one`,
      );
    }
    return llm;
  }

  function configKey(
    settings: RagIndexSettings,
    model: EmbeddingModel,
    llm: ChatModel | undefined,
  ) {
    return sha256Hex(
      JSON.stringify({
        format: INDEX_FORMAT,
        tokenizer: tokenizer.name,
        retriever: settings.retriever,
        chunkSize: settings.retriever === 'parent' ? null : settings.chunkSize,
        overlap: resolveChunkOverlap(settings.chunkSize, settings.chunkOverlap),
        contextualMode: settings.contextualMode,
        llm: llm ? `${llm.provider}/${llm.modelId}` : null,
        embedding: `${model.provider}/${model.modelId}/${model.dimensions}`,
      }),
    ).slice(0, 16);
  }

  async function readPlan(buildVersion: string): Promise<RagBuildPlan> {
    const plan = await state.findOne({ _id: planId(buildVersion) });
    if (!plan || !('kind' in plan)) {
      throw new SecondBrainError('notFound', `No plan for rag build ${buildVersion}`);
    }
    return plan;
  }

  /** Reads what a version holds: document id → document hash. */
  async function versionDocuments(db: Db, indexVersion: string): Promise<Map<string, string>> {
    const documents = new Map<string, string>();
    const cursor = ragCollection(db).find(
      { indexVersion, kind: 'document' },
      { projection: { documentId: 1, documentHash: 1 } },
    );
    for await (const record of cursor) {
      const document = record as RagDocumentRecord;
      documents.set(document.documentId, document.documentHash);
    }
    return documents;
  }

  /** Cached LLM text by key; generates and stores it when missing. */
  async function cachedContext(
    key: string,
    llm: ChatModel,
    prompt: PromptMessages,
    counters: { generated: number; cached: number },
  ): Promise<string> {
    const id = sha256Hex(`${key}\u0000${llm.provider}/${llm.modelId}`);
    const hit = await contexts.findOne({ _id: id });
    if (hit) {
      counters.cached++;
      return hit.context;
    }
    const response = await llm.chat({
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      temperature: 0,
      maxTokens: CONTEXT_MAX_TOKENS,
    });
    const context = response.text.trim();
    counters.generated++;
    await contexts.updateOne(
      { _id: id },
      { $set: { context, model: `${llm.provider}/${llm.modelId}`, createdAt: new Date() } },
      { upsert: true },
    );
    return context;
  }

  /** The document text the model may read: the whole document within the model's budget. */
  function documentForPrompt(llm: ChatModel, content: string, chunkTokens: number): string {
    const budget = Math.max(0, llm.contextWindow - chunkTokens - CONTEXT_MAX_TOKENS - 400);
    return truncateToTokenBudget(content, budget, (text) => llm.countTokens(text));
  }

  return {
    async planRagIndex({
      settings,
      buildVersion,
    }: {
      settings: RagIndexSettings;
      buildVersion: string;
    }): Promise<RagIndexPlan> {
      const model = await embeddingModel(settings);
      const llm = await chatModel(settings);
      const key = configKey(settings, model, llm);
      const serving = await readServingState(db);

      const raw = db.collection(COLLECTIONS.raw);
      const selected: RawSummary[] = [];
      let total = 0;
      let skippedByQuality = 0;
      const cursor = raw.find(
        { archived: { $ne: true } },
        {
          projection: {
            id: 1,
            contentHash: 1,
            content_quality_score: 1,
            'metadata.url': 1,
            'metadata.title': 1,
          },
        },
      );
      const unhashed: RawSummary[] = [];
      for await (const document of cursor) {
        const id = typeof document.id === 'string' ? document.id : undefined;
        if (!id) continue;
        total++;
        const score = document.content_quality_score as number | null | undefined;
        if (!passesQualityFilter(score, settings)) {
          skippedByQuality++;
          continue;
        }
        const metadata = (document.metadata ?? {}) as { url?: string; title?: string };
        const summary: RawSummary = {
          id,
          url: metadata.url ?? '',
          title: metadata.title ?? '',
          documentHash: typeof document.contentHash === 'string' ? document.contentHash : '',
        };
        if (summary.documentHash === '') unhashed.push(summary);
        selected.push(summary);
      }
      // Documents written without a contentHash: hash their content here.
      for (let start = 0; start < unhashed.length; start += 100) {
        const slice = unhashed.slice(start, start + 100);
        const contents = new Map<string, string>();
        for await (const document of raw.find(
          { id: { $in: slice.map((item) => item.id) } },
          { projection: { id: 1, content: 1 } },
        )) {
          contents.set(String(document.id), String(document.content ?? ''));
        }
        for (const item of slice) item.documentHash = hashContent(contents.get(item.id) ?? '');
      }
      // What decides "changed": the content and what each chunk record repeats (URL, title).
      for (const item of selected) {
        item.documentHash = sha256Hex(`${item.documentHash}\n${item.url}\n${item.title}`);
      }

      const sameConfig = serving?.configKey === key;
      const served = serving
        ? await versionDocuments(db, serving.indexVersion)
        : new Map<string, string>();
      const changed: string[] = [];
      const unchanged: string[] = [];
      for (const item of selected) {
        if (sameConfig && served.get(item.id) === item.documentHash) unchanged.push(item.id);
        else changed.push(item.id);
      }
      const selectedIds = new Set(selected.map((item) => item.id));
      const removed = [...served.keys()].filter((id) => !selectedIds.has(id));
      const upToDate =
        serving !== null && sameConfig && changed.length === 0 && removed.length === 0;
      const documents = {
        total,
        selected: selected.length,
        skippedByQuality,
        changed: changed.length,
        unchanged: unchanged.length,
        removed: removed.length,
      };
      const embedding = {
        provider: model.provider,
        modelId: model.modelId,
        dimensions: model.dimensions,
      };
      if (!upToDate) {
        const plan: RagBuildPlan = {
          _id: planId(buildVersion),
          kind: 'build',
          indexVersion: buildVersion,
          servingVersion: serving?.indexVersion ?? null,
          configKey: key,
          changed,
          unchanged,
          removed,
          createdAt: new Date(),
        };
        await state.replaceOne({ _id: plan._id }, plan, { upsert: true });
      }
      log.info('Planned rag index', { buildVersion, upToDate, ...documents });
      return {
        buildVersion,
        servingVersion: serving?.indexVersion ?? null,
        upToDate,
        fullRebuild: !sameConfig,
        embedding,
        documents,
        batches: upToDate ? 0 : Math.ceil(changed.length / DOCUMENTS_PER_ACTIVITY),
      };
    },

    /** Copies the records of unchanged documents from the serving version (vectors included). */
    async copyUnchangedRagRecords({ buildVersion }: { buildVersion: string }): Promise<number> {
      const plan = await readPlan(buildVersion);
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
    },

    /** Chunks, contextualizes and embeds one batch of the plan's changed documents. */
    async indexRagBatch({
      buildVersion,
      batchIndex,
      settings,
    }: {
      buildVersion: string;
      batchIndex: number;
      settings: RagIndexSettings;
    }): Promise<RagBatchResult> {
      const model = await embeddingModel(settings);
      const llm = await chatModel(settings);
      const plan = await readPlan(buildVersion);
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
      const counters = { generated: 0, cached: 0 };
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
      for await (const raw of db.collection(COLLECTIONS.raw).find({ id: { $in: ids } })) {
        const { _id: _ignored, ...fields } = raw;
        const parsed = documentSchema.safeParse(fields);
        if (!parsed.success) {
          result.failed.push({
            documentId: String(raw.id),
            reason: `invalid document: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
          });
          continue;
        }
        documents.set(parsed.data.id, parsed.data);
      }

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
          const outcome = await indexDocument(document, position);
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
      result.contextsGenerated = counters.generated;
      result.contextsCached = counters.cached;
      log.info('Indexed rag batch', {
        buildVersion,
        batchIndex,
        ...result,
        failed: result.failed.length,
      });
      return result;

      async function indexDocument(document: Document, position: number) {
        const url = document.metadata.url;
        const title = document.metadata.title;
        const contentHash = document.contentHash ?? hashContent(document.content);
        const documentHash = sha256Hex(`${contentHash}\n${url}\n${title}`);
        const { chunks, parents } = chunkDocument(document.id, document.content, {
          retriever: settings.retriever,
          chunkSize: settings.chunkSize,
          chunkOverlap: settings.chunkOverlap,
          tokenizer,
        });

        const chunkContexts: string[] = [];
        if (llm && settings.contextualMode === 'simple' && chunks.length > 0) {
          const summary = await cachedContext(
            `summary\u0000${contentHash}`,
            llm,
            documentSummaryPrompt(title, documentForPrompt(llm, document.content, 0)),
            counters,
          );
          for (let index = 0; index < chunks.length; index++) chunkContexts.push(summary);
        } else if (llm && settings.contextualMode === 'full') {
          for (const chunk of chunks) {
            chunkContexts.push(
              await cachedContext(
                `chunk\u0000${contentHash}\u0000${sha256Hex(chunk.text)}`,
                llm,
                chunkContextPrompt(
                  title,
                  documentForPrompt(llm, document.content, chunk.tokenCount),
                  chunk.text,
                ),
                counters,
              ),
            );
            heartbeat({ batchPosition: position, contexts: chunkContexts.length });
          }
        }

        const modelKey = `${model.provider}/${model.modelId}/${model.dimensions}`;
        const records: RagChunkRecord[] = chunks.map((chunk, index) => {
          const context = chunkContexts[index] ?? '';
          return {
            _id: ragRecordId(buildVersion, chunk.chunkId),
            kind: 'chunk',
            chunkId: chunk.chunkId,
            documentId: document.id,
            indexVersion: buildVersion,
            chunkIndex: chunk.index,
            text: chunk.text,
            context,
            embedding: [],
            embeddingKey: sha256Hex(`${modelKey}\n${indexedText({ context, text: chunk.text })}`),
            headingPath: chunk.headingPath,
            url,
            title,
            parentId: chunk.parentId,
            contentHash,
          };
        });
        const pending: RagChunkRecord[] = [];
        for (const record of records) {
          const vector = reusable.get(record.embeddingKey);
          if (vector && vector.length === model.dimensions) {
            record.embedding = vector;
            result.reusedEmbeddings++;
          } else pending.push(record);
        }
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

        const parentRecords: RagParentRecord[] = parents.map((parent) => ({
          _id: ragRecordId(buildVersion, parent.parentId),
          kind: 'parent',
          chunkId: parent.parentId,
          documentId: document.id,
          indexVersion: buildVersion,
          chunkIndex: parent.index,
          text: parent.text,
          headingPath: parent.headingPath,
          url,
          title,
          contentHash,
        }));
        // Replace whatever a failed earlier attempt left for this document, then mark it done.
        await rag.deleteMany({ indexVersion: buildVersion, documentId: document.id });
        const all: RagRecord[] = [...records, ...parentRecords];
        for (let start = 0; start < all.length; start += 500) {
          await rag.insertMany(all.slice(start, start + 500), { ordered: false });
        }
        const marker: RagDocumentRecord = {
          _id: ragRecordId(buildVersion, `document:${document.id}`),
          kind: 'document',
          documentId: document.id,
          indexVersion: buildVersion,
          documentHash,
          contentHash,
          chunkCount: records.length,
        };
        await rag.replaceOne({ _id: marker._id }, marker, { upsert: true });
        heartbeat({ batchPosition: position + 1 });
        return { chunks: records.length, parents: parentRecords.length };
      }
    },

    /** Switches the serving pointer to the finished build, then drops the other versions. */
    async activateRagIndex({
      buildVersion,
      settings,
    }: {
      buildVersion: string;
      settings: RagIndexSettings;
    }): Promise<RagActivation> {
      const model = await embeddingModel(settings);
      const current = await readServingState(db);
      const chunkCount = await rag.countDocuments({ indexVersion: buildVersion, kind: 'chunk' });
      const documentCount = await rag.countDocuments({
        indexVersion: buildVersion,
        kind: 'document',
      });
      if (current?.indexVersion !== buildVersion) {
        const plan = await readPlan(buildVersion);
        if ((current?.indexVersion ?? null) !== plan.servingVersion) {
          throw new SecondBrainError(
            'permanent',
            `Another rag build (${current?.indexVersion}) was switched in while ${buildVersion} was built from ${plan.servingVersion}; run the pipeline again`,
          );
        }
        const serving: RagServingState = {
          _id: SERVING_STATE_ID,
          indexVersion: buildVersion,
          configKey: plan.configKey,
          embedding: {
            provider: model.provider,
            modelId: model.modelId,
            dimensions: model.dimensions,
          },
          retriever: settings.retriever,
          chunkCount,
          documentCount,
          activatedAt: new Date(),
        };
        // Compare-and-swap on the version read above: one document, atomic everywhere.
        const filter = current
          ? { _id: SERVING_STATE_ID, indexVersion: current.indexVersion }
          : { _id: SERVING_STATE_ID };
        const { _id: _omit, ...fields } = serving;
        const update = await state.updateOne(
          filter,
          { $set: fields },
          { upsert: current === null },
        );
        if (update.matchedCount === 0 && update.upsertedCount === 0) {
          throw new SecondBrainError(
            'transient',
            'The serving rag version changed during the switch',
          );
        }
      }
      const deleted = await rag.deleteMany({ indexVersion: { $ne: buildVersion } });
      await state.deleteMany({ kind: 'build' });
      log.info('Switched the serving rag index', { buildVersion, chunkCount, documentCount });
      return {
        indexVersion: buildVersion,
        chunkCount,
        documentCount,
        deletedRecords: deleted.deletedCount,
      };
    },
  };
}
