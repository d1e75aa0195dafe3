// The `raw` collection and its one owner: every document the ETL stored (Notion pages,
// imported documents, crawled web pages), keyed by document id. Its shape is declared here
// once and checked with zod where documents come back out of the database.
//
// On FerretDB v1 (SQLite) nothing but inserts is cheap: updates and deletes scan the
// collection, and so does a lookup by `_id` (its pushed-down filter does not match the `_id`
// index's expression: `explain` shows `SCAN`), so 100 one-id lookups cost 100 scans. One `$in`
// query costs one scan (decoding every document once), which is about 10x cheaper per
// document than a pushed-down lookup, so states are looked up in bulk with `$in` and the store
// offers bulk inserts of new documents and replacements of changed ones (bench/etl measured
// FerretDB at 21.8 CPU seconds for 1,600 one-id lookups during an 800-page ETL).
// The readers below serve the pipelines downstream of the ETL (the rag index, the dataset, the
// agent's overview), each with the projection it needs.
import type { Collection } from 'mongodb';
import { z } from 'zod';
import { SecondBrainError } from '../../../domain/errors.js';
import {
  etlDocumentSchema,
  type DocumentWrite,
  type StoredDocumentState,
} from '../../../domain/etl-documents.js';
import { COLLECTIONS } from '../../../domain/names.js';
import { toDatabaseError, type MongoDatabase } from '../mongo-database.js';

/** A document as stored in `raw`: the ETL's document plus its bookkeeping. */
export const rawDocumentSchema = etlDocumentSchema.extend({
  _id: z.string(),
  /** sha256 of everything the ETL derives from the source (not the score): unchanged = skip. */
  fingerprint: z.string(),
  /** The ETL run that last inserted or changed the document. */
  etlRunId: z.string(),
  updatedAt: z.date(),
});

export type RawDocument = z.infer<typeof rawDocumentSchema>;

const storedStateSchema = z.object({
  _id: z.string(),
  fingerprint: z.string().optional(),
  contentHash: z.string().optional(),
  content_quality_score: z.number().nullable().default(null),
  qualityScoreSource: rawDocumentSchema.shape.qualityScoreSource.default(null),
  qualityReason: z.string().nullable().optional(),
  metadata: z.object({ url: z.string().optional() }).optional(),
  source: z.string().optional(),
  parentIds: z.array(z.string()).optional(),
  archived: z.boolean().optional(),
  validators: rawDocumentSchema.shape.validators,
});

const STATE_PROJECTION = {
  fingerprint: 1,
  contentHash: 1,
  content_quality_score: 1,
  qualityScoreSource: 1,
  qualityReason: 1,
  'metadata.url': 1,
  source: 1,
  parentIds: 1,
  archived: 1,
  validators: 1,
} as const;

/** Ids per `$in` state query (each query scans the collection once). */
const IDS_PER_QUERY = 1_000;
/** Up to this many ids, one-id lookups (a cheaper scan each) beat one decoding scan. */
const SINGLE_LOOKUP_LIMIT = 8;

/** The fields of a `raw` document the dataset reads. */
export interface DatasetSourceDocument {
  id: string;
  metadata?: { title?: string };
  content: string;
  content_quality_score: number | null;
  contentHash?: string;
  archived?: boolean;
}

/** What the rag index plans from: every document that is not archived, without its content. */
export interface IndexCandidate {
  id?: unknown;
  contentHash?: unknown;
  content_quality_score?: number | null;
  metadata?: { url?: string; title?: string };
}

/** What a scoring stage writes back: a score with its reason, or only why there is none. */
export type ScoreUpdate = Partial<
  Pick<RawDocument, 'content_quality_score' | 'qualityScoreSource' | 'qualityReason'>
>;

async function guarded<T>(action: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toDatabaseError(error, action);
  }
}

export function rawDocumentStore(mongo: MongoDatabase) {
  const collection: Collection<RawDocument> = mongo.db.collection<RawDocument>(COLLECTIONS.raw);

  /** The stored state of each of `ids` that exists: one `$in` scan per IDS_PER_QUERY ids. */
  async function findStates(ids: readonly string[]): Promise<Map<string, StoredDocumentState>> {
    const unique = [...new Set(ids)];
    const found = await guarded('find raw', async () => {
      if (unique.length <= SINGLE_LOOKUP_LIMIT)
        return Promise.all(
          unique.map((id) => collection.findOne({ _id: id }, { projection: STATE_PROJECTION })),
        );
      const documents = [];
      for (let start = 0; start < unique.length; start += IDS_PER_QUERY)
        documents.push(
          ...(await collection
            .find(
              { _id: { $in: unique.slice(start, start + IDS_PER_QUERY) } },
              { projection: STATE_PROJECTION },
            )
            .toArray()),
        );
      return documents;
    });
    const states = new Map<string, StoredDocumentState>();
    for (const document of found)
      if (document) {
        const { metadata, ...state } = storedStateSchema.parse(document);
        states.set(state._id, { ...state, url: metadata?.url });
      }
    return states;
  }

  function record(runId: string, write: DocumentWrite, now: Date): RawDocument {
    return {
      ...write.document,
      _id: write.document.id,
      fingerprint: write.fingerprint,
      etlRunId: runId,
      updatedAt: now,
    };
  }

  return {
    findStates,

    /** Inserts the new documents in bulk and replaces the changed ones (see planDocumentWrites). */
    async write(
      runId: string,
      { inserts, updates }: { inserts: DocumentWrite[]; updates: DocumentWrite[] },
    ): Promise<void> {
      const now = new Date();
      const replacements = updates.map((write) => record(runId, write, now));
      if (inserts.length > 0) {
        const documents = inserts.map((write) => record(runId, write, now));
        await guarded('insert raw', async () => {
          try {
            await collection.insertMany(documents, { ordered: false });
          } catch (error) {
            // A retried attempt may find some already inserted: those are replaced instead.
            if ((error as { code?: unknown }).code !== 11000) throw error;
            const present = await findStates(documents.map((document) => document._id));
            replacements.push(...documents.filter((document) => present.has(document._id)));
            const missing = documents.filter((document) => !present.has(document._id));
            if (missing.length > 0) await collection.insertMany(missing, { ordered: false });
          }
        });
      }
      for (const document of replacements)
        await guarded('update raw', () =>
          collection.replaceOne({ _id: document._id }, document, { upsert: true }),
        );
    },

    /** One whole stored document, checked against the schema; undefined when absent. */
    async find(id: string): Promise<RawDocument | undefined> {
      const document = await guarded('find raw', () => collection.findOne({ _id: id }));
      if (!document) return undefined;
      const parsed = rawDocumentSchema.safeParse(document);
      if (!parsed.success)
        throw new SecondBrainError(
          'validation',
          `raw document ${id} does not match its schema: ${parsed.error.issues
            .slice(0, 3)
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; ')}`,
        );
      return parsed.data;
    },

    /**
     * Marks a page the site no longer serves (404/410) as archived, so the index drops it, and
     * forgets its fingerprint, so the page is stored again if it comes back unchanged.
     */
    async markRemoved(id: string): Promise<void> {
      await guarded('mark raw removed', () =>
        collection.updateOne(
          { _id: id },
          { $set: { archived: true, fingerprint: 'removed', updatedAt: new Date() } },
        ),
      );
    },

    /** Records a score, only while the content is still the one that was scored. */
    async setScore(id: string, scoredContentHash: string | undefined, update: ScoreUpdate) {
      await guarded('update score', () =>
        collection.updateOne(
          { _id: id, contentHash: scoredContentHash },
          { $set: { ...update, updatedAt: new Date() } },
        ),
      );
    },

    /** Documents scored at least `minQualityScore`, in id order (content and archived only). */
    scoredAtLeast(minQualityScore: number): AsyncIterable<DatasetSourceDocument> {
      // null scores fail $gte: unscored documents are not known to be good enough to distill.
      return collection
        .find({ content_quality_score: { $gte: minQualityScore } })
        .project<DatasetSourceDocument>({ _id: 0, id: 1, content: 1, archived: 1 })
        .sort({ id: 1 });
    },

    /** The documents of `ids` that exist, by id (the fields the dataset reads). */
    async byIds(ids: readonly string[]): Promise<Map<string, DatasetSourceDocument>> {
      const found = await collection
        .find({ id: { $in: [...ids] } })
        .project<DatasetSourceDocument>({
          _id: 0,
          id: 1,
          metadata: 1,
          content: 1,
          content_quality_score: 1,
          contentHash: 1,
        })
        .toArray();
      return new Map(found.map((document) => [document.id, document]));
    },

    /**
     * The documents of `ids` as stored, without `_id` and not validated: the rag index parses
     * each one itself and reports those that fail instead of failing the batch.
     */
    async *fieldsByIds(ids: readonly string[]): AsyncIterable<Record<string, unknown>> {
      for await (const document of collection.find({ id: { $in: [...ids] } })) {
        const { _id: _ignored, ...fields } = document;
        yield fields;
      }
    },

    /** The documents that are not archived, without their content (see IndexCandidate). */
    indexCandidates(): AsyncIterable<IndexCandidate> {
      return collection.find({ archived: { $ne: true } }).project<IndexCandidate>({
        id: 1,
        contentHash: 1,
        content_quality_score: 1,
        'metadata.url': 1,
        'metadata.title': 1,
      });
    },

    /** The content of each of `ids` that exists, by id ('' for a document without content). */
    async contents(ids: readonly string[]): Promise<Map<string, string>> {
      const contents = new Map<string, string>();
      for await (const document of collection
        .find({ id: { $in: [...ids] } })
        .project<{ id?: unknown; content?: string | null }>({ id: 1, content: 1 })) {
        contents.set(String(document.id), document.content ?? '');
      }
      return contents;
    },

    /** Up to `limit` document titles, for describing the knowledge base before any index. */
    async titles(limit: number): Promise<string[]> {
      const documents = await collection
        .find({})
        .project<{ metadata?: { title?: string } }>({ 'metadata.title': 1 })
        .limit(limit)
        .toArray();
      return documents.flatMap((document) =>
        document.metadata?.title ? [document.metadata.title] : [],
      );
    },
  };
}

export type RawDocumentStore = ReturnType<typeof rawDocumentStore>;
