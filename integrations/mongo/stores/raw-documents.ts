// The `raw` collection and its one owner: every document the ETL stored (Notion pages,
// imported documents, crawled web pages), keyed by document id. Its shape is declared here
// once and checked with zod where documents come back out of the database.
//
// On FerretDB v1 only `_id` lookups and inserts are indexed (updates and deletes scan the
// collection, and a projection still decodes whole documents), so the store offers exactly
// those: state lookups by id, bulk inserts of new documents and replacements of changed ones.
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
});

const STATE_PROJECTION = {
  fingerprint: 1,
  contentHash: 1,
  content_quality_score: 1,
  qualityScoreSource: 1,
  qualityReason: 1,
} as const;

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

  /** The stored state of each of `ids` that exists (one `_id` lookup each, the indexed path). */
  async function findStates(ids: readonly string[]): Promise<Map<string, StoredDocumentState>> {
    const found = await guarded('find raw', () =>
      Promise.all(
        ids.map((id) => collection.findOne({ _id: id }, { projection: STATE_PROJECTION })),
      ),
    );
    const states = new Map<string, StoredDocumentState>();
    for (const document of found)
      if (document) {
        const state = storedStateSchema.parse(document);
        states.set(state._id, state);
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
    collection,
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

    /** Records a score, only while the content is still the one that was scored. */
    async setScore(id: string, scoredContentHash: string | undefined, update: ScoreUpdate) {
      await guarded('update score', () =>
        collection.updateOne(
          { _id: id, contentHash: scoredContentHash },
          { $set: { ...update, updatedAt: new Date() } },
        ),
      );
    },
  };
}

export type RawDocumentStore = ReturnType<typeof rawDocumentStore>;
