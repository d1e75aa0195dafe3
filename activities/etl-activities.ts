// The ETL's activities. Page content never leaves them: the crawler's results go straight to
// MongoDB (`raw`) and S3, and the workflow only sees counts, ids and keys. Every write is an
// upsert keyed by the document id with a content hash, so a retried or resumed attempt rewrites
// the same documents instead of duplicating them. Which documents a run wrote is recorded in
// S3 (runs/etl/<runId>/stored/), not by updating MongoDB: on FerretDB v1 only `_id` lookups and
// inserts are indexed (updates and deletes scan the collection), so an unchanged document is
// not rewritten at all, a new one is inserted, and only a changed one is updated.
import { Context, log } from '@temporalio/activity';
import type { Collection } from 'mongodb';
import {
  contentHash,
  documentIdForUrl,
  documentSchema,
  DOCUMENT_ID_PATTERN,
  type Document,
  type DocumentMetadata,
} from '../domain/document.js';
import { SecondBrainError } from '../domain/errors.js';
import {
  etlKeys,
  type EtlBatchResult,
  type EtlFailureReason,
  type EtlFinishResult,
  type EtlLlmBatchResult,
  type EtlPlanSummary,
} from '../domain/etl.js';
import { COLLECTIONS } from '../domain/names.js';
import {
  buildQualityScoringMessages,
  heuristicQualityScore,
  parseQualityScoreReply,
  qualityScoreReplySchema,
  QUALITY_SCORE_SCHEMA_NAME,
  type QualityScoreSource,
} from '../domain/quality-scoring.js';
import { DOCUMENTS_PREFIX, documentKey, runManifestKey } from '../domain/storage-layout.js';
import { canonicalizeUrl, deduplicateLinks } from '../domain/url-canonicalization.js';
import type { EtlInput } from '../domain/workflow-inputs.js';
import {
  crawlPages,
  type CrawledPage,
  type CrawlOutcome,
} from '../integrations/crawler/page-crawler.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import { toDatabaseError } from '../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../integrations/s3/object-storage.js';

/** A document as stored in `raw`: the document schema plus the ETL's bookkeeping. */
export interface RawDocument extends Document {
  _id: string;
  /** Every document linking to this page (parent_metadata holds the first). */
  parentIds?: string[];
  /** The URL after redirects, for crawled pages. */
  finalUrl?: string;
  qualityScoreSource: QualityScoreSource | 'source' | null;
  qualityReason?: string | null;
  /** sha256 of everything the ETL derives from the source (not the score): unchanged = skip. */
  fingerprint: string;
  /** The ETL run that last inserted or changed the document. */
  etlRunId: string;
  updatedAt: Date;
}

/** One document a run stored, as listed in S3 and in the run's snapshot. */
export interface StoredEntry {
  id: string;
  url: string;
  source: string | undefined;
  contentHash: string;
  content_quality_score: number | null;
  qualityScoreSource: RawDocument['qualityScoreSource'];
}

export interface EtlPlan {
  runId: string;
  /** Metadata of every source document that links somewhere, by id. */
  parents: Record<string, DocumentMetadata>;
  links: Array<{ id: string; url: string; parentIds: string[] }>;
}

export interface EtlFailureEntry {
  url: string;
  id: string;
  reason: EtlFailureReason;
  message: string;
  attempts: number;
}

interface CompactOutcome {
  id: string;
  ok: boolean;
  stored?: StoredEntry;
  failure?: EtlFailureEntry;
}

export interface EtlActivityDependencies {
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** The chat model for LLM quality scoring; without one the LLM stage is skipped. */
  llm?: ChatModel;
  /** First crawl retry delay (doubles per retry); tests shorten it. */
  crawlRetryBackoffMs?: number;
}

/** Crawled pages per bulk upsert. */
const WRITE_BATCH_SIZE = 16;

/** Fields of a manifest that list the documents a collect/import run wrote. */
const MANIFEST_DOCUMENT_FIELDS = ['documentIds', 'documents', 'written', 'stored', 'documentKeys'];

/** Document ids listed by a collect/import manifest (ids, document keys, or {id} objects). */
export function documentIdsFromManifest(manifest: unknown): string[] {
  const ids = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string') {
      const id = DOCUMENT_ID_PATTERN.test(value)
        ? value
        : /^documents\/([0-9a-f]{32})\.json$/.exec(value)?.[1];
      if (id) ids.add(id);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.id === 'string') visit(record.id);
      else if (typeof record.key === 'string') visit(record.key);
    }
  };
  if (manifest && typeof manifest === 'object')
    for (const field of MANIFEST_DOCUMENT_FIELDS)
      visit((manifest as Record<string, unknown>)[field]);
  return [...ids];
}

function countReasons(failures: readonly EtlFailureEntry[]) {
  const counts: Partial<Record<EtlFailureReason, number>> = {};
  for (const failure of failures) counts[failure.reason] = (counts[failure.reason] ?? 0) + 1;
  return counts;
}

export function createEtlActivities({
  storage,
  mongo,
  llm,
  crawlRetryBackoffMs,
}: EtlActivityDependencies) {
  const raw: Collection<RawDocument> = mongo.db.collection<RawDocument>(COLLECTIONS.raw);

  async function guarded<T>(action: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toDatabaseError(error, action);
    }
  }

  type NewDocument = Omit<RawDocument, 'etlRunId' | 'updatedAt' | '_id' | 'fingerprint'>;

  function fingerprintOf(document: NewDocument): string {
    const {
      content_quality_score: _score,
      qualityScoreSource: _source,
      qualityReason: _reason,
      collectedAt: _collectedAt,
      ...derived
    } = document;
    return contentHash(JSON.stringify(derived));
  }

  function storedEntry(document: NewDocument | RawDocument): StoredEntry {
    return {
      id: document.id,
      url: document.metadata.url,
      source: document.source,
      contentHash: document.contentHash ?? contentHash(document.content),
      content_quality_score: document.content_quality_score,
      qualityScoreSource: document.qualityScoreSource,
    };
  }

  /**
   * Stores documents keyed by id: unchanged ones (same fingerprint) are left alone, keeping any
   * LLM score; new ones are inserted; changed ones are updated (keeping an LLM score when the
   * content itself did not change). Returns what is now stored.
   */
  async function storeDocuments(runId: string, documents: NewDocument[]): Promise<StoredEntry[]> {
    if (documents.length === 0) return [];
    const existing = await guarded('find raw', () =>
      Promise.all(
        documents.map((document) =>
          raw.findOne(
            { _id: document.id },
            {
              projection: {
                fingerprint: 1,
                contentHash: 1,
                content_quality_score: 1,
                qualityScoreSource: 1,
                qualityReason: 1,
                source: 1,
                'metadata.url': 1,
              },
            },
          ),
        ),
      ),
    );
    const now = new Date();
    const inserts: RawDocument[] = [];
    const updates: RawDocument[] = [];
    const entries: StoredEntry[] = [];
    documents.forEach((document, index) => {
      const before = existing[index];
      const fingerprint = fingerprintOf(document);
      if (before && before.fingerprint === fingerprint) {
        entries.push(storedEntry({ ...document, ...pickScore(before), id: document.id }));
        return;
      }
      const keepLlmScore =
        before?.qualityScoreSource === 'llm' && before.contentHash === document.contentHash;
      const full: RawDocument = {
        ...document,
        ...(keepLlmScore ? pickScore(before) : {}),
        _id: document.id,
        fingerprint,
        etlRunId: runId,
        updatedAt: now,
      };
      (before ? updates : inserts).push(full);
      entries.push(storedEntry(full));
    });
    if (inserts.length > 0)
      await guarded('insert raw', async () => {
        try {
          await raw.insertMany(inserts, { ordered: false });
        } catch (error) {
          // A retried attempt may find some already inserted: those are updated instead.
          if ((error as { code?: unknown }).code !== 11000) throw error;
          const inserted = await Promise.all(
            inserts.map((document) =>
              raw.findOne({ _id: document._id }, { projection: { _id: 1 } }),
            ),
          );
          inserts.forEach((document, index) => {
            if (inserted[index]) updates.push(document);
          });
          const missing = inserts.filter((_, index) => !inserted[index]);
          if (missing.length > 0) await raw.insertMany(missing, { ordered: false });
        }
      });
    for (const document of updates)
      await guarded('update raw', () =>
        raw.replaceOne({ _id: document._id }, document, { upsert: true }),
      );
    return entries;
  }

  function pickScore(
    document: Pick<RawDocument, 'content_quality_score' | 'qualityScoreSource' | 'qualityReason'>,
  ) {
    return {
      content_quality_score: document.content_quality_score,
      qualityScoreSource: document.qualityScoreSource,
      qualityReason: document.qualityReason ?? null,
    };
  }

  function pickScoreFields(
    document: Pick<RawDocument, 'content_quality_score' | 'qualityScoreSource'>,
  ) {
    return {
      content_quality_score: document.content_quality_score,
      qualityScoreSource: document.qualityScoreSource,
    };
  }

  async function readStoredEntries(runId: string, batchCount: number): Promise<StoredEntry[]> {
    const entries: StoredEntry[] = [];
    for (let index = 0; index <= batchCount; index++) {
      const batch = (await storage.getJson(etlKeys.batchStored(runId, index))) as
        StoredEntry[] | undefined;
      entries.push(...(batch ?? []));
    }
    return entries;
  }

  function scored(content: string, current: number | null) {
    if (current !== null)
      return { content_quality_score: current, qualityScoreSource: 'source' as const };
    const score = heuristicQualityScore(content);
    return {
      content_quality_score: score,
      qualityScoreSource: score === null ? null : ('heuristic' as const),
    };
  }

  function crawledDocument(page: CrawledPage, plan: EtlPlan, parentIds: string[]) {
    const parent = plan.parents[parentIds[0] ?? ''] ?? null;
    const content = page.markdown;
    const childUrls = [
      ...new Set(page.links.map((link) => canonicalizeUrl(link)).filter(Boolean)),
    ] as string[];
    return {
      id: page.key,
      metadata: {
        id: page.key,
        url: page.url,
        title: page.title,
        properties: page.metaTags,
      },
      parent_metadata: parent,
      content,
      summary: null,
      child_urls: childUrls,
      source: 'crawl' as const,
      contentHash: contentHash(content),
      collectedAt: new Date().toISOString(),
      parentIds,
      finalUrl: page.finalUrl,
      qualityReason: null,
      ...scored(content, null),
    };
  }

  return {
    /**
     * Reads the source documents, stores them in `raw`, and writes the crawl plan (every unique
     * canonical link with all its parents) to S3. Deterministic: a retry writes the same plan.
     */
    async prepareEtlRun({
      runId,
      source,
      batchSize,
    }: {
      runId: string;
      source: EtlInput['source'];
      batchSize: number;
    }): Promise<EtlPlanSummary> {
      let keys: string[];
      if (source.kind === 'all') {
        keys = [];
        for await (const key of storage.listKeys(DOCUMENTS_PREFIX)) keys.push(key);
      } else {
        const manifestKey = runManifestKey(source.kind, source.runId!);
        const manifest = await storage.getJson(manifestKey);
        if (manifest === undefined)
          throw new SecondBrainError(
            'notFound',
            `No ${source.kind} run manifest at ${manifestKey}`,
          );
        keys = documentIdsFromManifest(manifest).map(documentKey);
      }
      keys.sort();
      const documents: Document[] = [];
      const invalid: EtlFailureEntry[] = [];
      const context = Context.current();
      for (let index = 0; index < keys.length; index += 32) {
        const slice = keys.slice(index, index + 32);
        const loaded = await Promise.all(
          slice.map(async (key) => ({
            key,
            value: await storage.getJson(key).catch((e) => e as Error),
          })),
        );
        for (const { key, value } of loaded) {
          const parsed = documentSchema.safeParse(value);
          if (parsed.success) documents.push(parsed.data);
          else
            invalid.push({
              url: key,
              id: key,
              reason: 'invalid-document',
              message:
                value instanceof Error
                  ? value.message
                  : value === undefined
                    ? `${key} does not exist`
                    : parsed.error.issues
                        .slice(0, 3)
                        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
                        .join('; '),
              attempts: 1,
            });
        }
        context.heartbeat({ read: index + slice.length });
      }

      // The source documents themselves go into raw too: it holds Notion pages and web pages.
      const sourceDocuments = documents.map((document) => ({
        ...document,
        source: document.source ?? ('import' as const),
        contentHash: contentHash(document.content),
        qualityReason: null,
        ...scored(document.content, document.content_quality_score),
      }));
      const storedSources: StoredEntry[] = [];
      for (let index = 0; index < sourceDocuments.length; index += 100)
        storedSources.push(
          ...(await storeDocuments(runId, sourceDocuments.slice(index, index + 100))),
        );
      await storage.putJson(etlKeys.batchStored(runId, 0), storedSources);

      const deduplicated = deduplicateLinks(documents, {
        excludeUrls: documents.map((document) => document.metadata.url).filter(Boolean),
      });
      const sourceIds = new Set(documents.map((document) => document.id));
      const plan: EtlPlan = {
        runId,
        parents: {},
        links: deduplicated.links
          .map((link) => ({
            id: documentIdForUrl(link.canonicalUrl),
            url: link.canonicalUrl,
            parentIds: link.parentIds,
          }))
          .filter((link) => !sourceIds.has(link.id)),
      };
      for (const document of documents)
        if (document.child_urls.length > 0)
          plan.parents[document.id] = {
            id: document.id,
            url: document.metadata.url,
            title: document.metadata.title,
            properties: document.metadata.properties,
          };
      const planKey = etlKeys.plan(runId);
      await storage.putJson(planKey, plan);
      await storage.putJson(etlKeys.batchFailures(runId, 0), invalid);
      log.info('ETL plan written', {
        runId,
        documents: documents.length,
        invalid: invalid.length,
        uniqueLinks: plan.links.length,
      });
      return {
        planKey,
        documentsIn: keys.length,
        invalidDocuments: invalid.length,
        linksFound: deduplicated.linksFound,
        invalidLinks: deduplicated.invalidLinks,
        uniqueLinks: plan.links.length,
        batchCount: Math.ceil(plan.links.length / batchSize),
        sourceDocumentsStored: sourceDocuments.length,
        sourceScoredByHeuristic: storedSources.filter(
          (entry) => entry.qualityScoreSource === 'heuristic',
        ).length,
      };
    },

    /**
     * Crawls one batch of the plan (batch numbers start at 1). Each page is stored as soon as it
     * is extracted, and the heartbeat records what is done: a retried attempt (after a worker
     * crash, say) resumes from those details and crawls only what is left.
     */
    async crawlEtlBatch({
      runId,
      planKey,
      batchIndex,
      batchSize,
      crawl,
    }: {
      runId: string;
      planKey: string;
      batchIndex: number;
      batchSize: number;
      crawl: EtlInput['crawl'];
    }): Promise<EtlBatchResult> {
      const context = Context.current();
      const plan = (await storage.getJson(planKey)) as EtlPlan | undefined;
      if (!plan) throw new SecondBrainError('notFound', `ETL plan ${planKey} does not exist`);
      const links = plan.links.slice((batchIndex - 1) * batchSize, batchIndex * batchSize);
      const byId = new Map(links.map((link) => [link.id, link]));

      const previous = context.info.heartbeatDetails as { outcomes?: CompactOutcome[] } | undefined;
      const outcomes = new Map<string, CompactOutcome>(
        (previous?.outcomes ?? []).map((outcome) => [outcome.id, outcome]),
      );
      const resumed = outcomes.size > 0;
      if (resumed)
        log.info('Resuming ETL batch from heartbeat', { batchIndex, done: outcomes.size });
      const heartbeat = () => context.heartbeat({ outcomes: [...outcomes.values()] });
      const timer = setInterval(heartbeat, 5_000);

      // Pages are written in small bulk upserts by one writer loop, so the crawler never
      // waits on the database; a page counts as done (in the heartbeat) once it is stored.
      type PendingPage = ReturnType<typeof crawledDocument>;
      let buffer: PendingPage[] = [];
      let writing: Promise<void> = Promise.resolve();
      let writeError: Error | undefined;
      const flush = () => {
        if (buffer.length === 0) return writing;
        const pages = buffer;
        buffer = [];
        writing = writing.then(async () => {
          if (writeError) return;
          try {
            for (const entry of await storeDocuments(runId, pages))
              outcomes.set(entry.id, { id: entry.id, ok: true, stored: entry });
            heartbeat();
          } catch (error) {
            writeError =
              error instanceof Error ? error : new Error(`upsert failed: ${String(error)}`);
          }
        });
        return writing;
      };
      const handle = async (outcome: CrawlOutcome) => {
        const link = byId.get(outcome.key)!;
        if (outcome.kind === 'page') {
          buffer.push(crawledDocument(outcome, plan, link.parentIds));
          if (buffer.length >= WRITE_BATCH_SIZE) void flush();
        } else {
          outcomes.set(outcome.key, {
            id: outcome.key,
            ok: false,
            failure: {
              url: outcome.url,
              id: outcome.key,
              reason: outcome.reason,
              message: outcome.message,
              attempts: outcome.attempts,
            },
          });
          heartbeat();
        }
        await Promise.resolve();
      };
      const flushTimer = setInterval(() => void flush(), 500);
      try {
        await crawlPages(
          links
            .filter((link) => !outcomes.has(link.id))
            .map((link) => ({ key: link.id, url: link.url })),
          { ...crawl, retryBackoffMs: crawlRetryBackoffMs },
          handle,
        );
      } finally {
        clearInterval(timer);
        clearInterval(flushTimer);
        await flush();
        // Stored pages are in the heartbeat even when the attempt fails, so a retry skips them.
        heartbeat();
      }
      if (writeError) throw writeError;
      const all = links.map((link) => outcomes.get(link.id)!).filter(Boolean);
      const failures = all.flatMap((outcome) => (outcome.failure ? [outcome.failure] : []));
      await storage.putJson(etlKeys.batchFailures(runId, batchIndex), failures);
      const storedEntries = all.flatMap((outcome) => (outcome.stored ? [outcome.stored] : []));
      await storage.putJson(etlKeys.batchStored(runId, batchIndex), storedEntries);
      const crawled = storedEntries.length;
      return {
        batchIndex,
        targets: links.length,
        crawled,
        failed: failures.length,
        failedByReason: countReasons(failures),
        stored: crawled,
        scoredByHeuristic: storedEntries.filter((entry) => entry.qualityScoreSource === 'heuristic')
          .length,
        resumed,
      };
    },

    /**
     * Scores the run's undecided documents [offset, offset + limit) (from the run's stored lists
     * in S3), one model call per document with structured output {score, reason}. Invalid
     * replies keep null; a document an earlier attempt already scored is not asked again.
     */
    async scoreEtlBatchWithLlm({
      runId,
      batchCount,
      offset,
      limit,
    }: {
      runId: string;
      batchCount: number;
      offset: number;
      limit: number;
    }): Promise<EtlLlmBatchResult> {
      if (!llm) throw new SecondBrainError('validation', 'No chat model is configured');
      const undecided = (await readStoredEntries(runId, batchCount))
        .filter((entry) => entry.content_quality_score === null)
        .sort((left, right) => (left.id < right.id ? -1 : 1));
      const slice = undecided.slice(offset, offset + limit);
      // Room for the rubric and the answer: three quarters of the context, ~3 characters a token.
      const maxContentCharacters = Math.max(2_000, Math.floor(llm.contextWindow * 0.75) * 3);
      let scoredCount = 0;
      let invalidReplies = 0;
      const context = Context.current();
      await Promise.all(
        slice.map(async (entry) => {
          const document = await guarded('find raw', () => raw.findOne({ _id: entry.id }));
          if (!document || document.content_quality_score !== null) {
            if (document?.qualityScoreSource === 'llm') scoredCount++;
            return;
          }
          const messages = buildQualityScoringMessages(
            {
              id: document._id,
              title: document.metadata.title,
              url: document.metadata.url,
              content: document.content,
            },
            maxContentCharacters,
          );
          let update: Partial<RawDocument>;
          try {
            const response = await llm.chat({
              messages,
              temperature: 0,
              maxTokens: 200,
              responseSchema: qualityScoreReplySchema,
              responseSchemaName: QUALITY_SCORE_SCHEMA_NAME,
            });
            const parsed = parseQualityScoreReply(response.output);
            if (parsed.ok) {
              scoredCount++;
              update = {
                content_quality_score: parsed.reply.score,
                qualityScoreSource: 'llm',
                qualityReason: parsed.reply.reason,
              };
            } else {
              invalidReplies++;
              update = { qualityReason: `invalid LLM reply: ${parsed.reason}` };
            }
          } catch (error) {
            // A schema violation is the model's answer, not an outage: record it, keep null.
            if (
              error instanceof SecondBrainError &&
              (error.kind === 'validation' || error.kind === 'invalidModelOutput')
            ) {
              invalidReplies++;
              update = { qualityReason: `invalid LLM reply: ${error.message}` };
            } else throw error;
          }
          // Only when the content is still the one that was scored.
          await guarded('update score', () =>
            raw.updateOne(
              { _id: document._id, contentHash: document.contentHash },
              { $set: { ...update, updatedAt: new Date() } },
            ),
          );
          context.heartbeat();
        }),
      );
      return {
        scored: scoredCount,
        invalidReplies,
        remaining: Math.max(0, undecided.length - offset - slice.length),
      };
    },

    /** Writes the run's snapshot and its failure report (URL, reason, attempts) to S3. */
    async finishEtlRun({
      runId,
      batchCount,
      refreshScores,
    }: {
      runId: string;
      batchCount: number;
      /** True when the LLM stage ran, so undecided scores may have changed in MongoDB. */
      refreshScores: boolean;
    }): Promise<EtlFinishResult> {
      const failures: EtlFailureEntry[] = [];
      for (let index = 0; index <= batchCount; index++) {
        const entries = (await storage.getJson(etlKeys.batchFailures(runId, index))) as
          EtlFailureEntry[] | undefined;
        failures.push(...(entries ?? []));
      }
      const failureReportKey = etlKeys.failureReport(runId);
      await storage.putJson(failureReportKey, {
        runId,
        failed: failures.length,
        byReason: countReasons(failures),
        failures,
      });
      // The scores as they are now: only documents the LLM stage may have scored are re-read
      // (FerretDB decodes whole documents even for a projection, so the rest come from S3).
      const entries = (await readStoredEntries(runId, batchCount)).sort((left, right) =>
        left.id < right.id ? -1 : 1,
      );
      const documents: StoredEntry[] = [];
      for (let index = 0; index < entries.length; index += 32) {
        const slice = entries.slice(index, index + 32);
        const current = await guarded('snapshot raw', () =>
          Promise.all(
            slice.map((entry) =>
              refreshScores && entry.content_quality_score === null
                ? raw.findOne(
                    { _id: entry.id },
                    { projection: { content_quality_score: 1, qualityScoreSource: 1 } },
                  )
                : Promise.resolve(null),
            ),
          ),
        );
        slice.forEach((entry, offset) => {
          const now = current[offset];
          documents.push(now ? { ...entry, ...pickScoreFields(now) } : entry);
        });
      }
      const snapshotKey = etlKeys.snapshot(runId);
      await storage.putJson(snapshotKey, {
        runId,
        createdAt: new Date().toISOString(),
        documents,
      });
      return {
        snapshotKey,
        failureReportKey,
        storedTotal: documents.length,
        unscored: documents.filter((document) => document.content_quality_score === null).length,
      };
    },

    /** Whether the LLM stage can run, and if not, why (reported in the result). */
    // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
    async describeEtlScoringModel({
      model,
    }: {
      model: string | undefined;
    }): Promise<{ available: boolean; reason: string | null; modelId: string | null }> {
      if (!llm)
        return {
          available: false,
          reason: 'no chat model is configured on the worker',
          modelId: null,
        };
      if (model !== undefined && model !== llm.modelId)
        return {
          available: false,
          reason: `model ${model} requested but the worker serves ${llm.modelId}`,
          modelId: llm.modelId,
        };
      return { available: true, reason: null, modelId: llm.modelId };
    },
  };
}
