// The `rag_context_cache` collection and its one owner: contextual retrieval's LLM texts (a
// document's TL;DR or one chunk's context), keyed by a hash of what was asked and the model, so
// a rebuild or a retried activity asks the model only for what it never answered.
import type { Collection } from 'mongodb';
import { COLLECTIONS } from '../../../domain/names.js';
import type { MongoDatabase } from '../mongo-database.js';

interface ContextCacheRecord {
  _id: string;
  context: string;
  /** `provider/modelId` that wrote the text. */
  model: string;
  createdAt: Date;
}

export interface RagContextCache {
  /** The cached text for `key`, or undefined when the model never answered it. */
  find(key: string): Promise<string | undefined>;
  /** Stores (or replaces) the text for `key`. */
  save(key: string, context: string, model: string): Promise<void>;
}

export function createRagContextCache(mongo: MongoDatabase): RagContextCache {
  const contexts: Collection<ContextCacheRecord> = mongo.db.collection(COLLECTIONS.ragContextCache);
  return {
    async find(key) {
      return (await contexts.findOne({ _id: key }))?.context;
    },
    async save(key, context, model) {
      await contexts.updateOne(
        { _id: key },
        { $set: { context, model, createdAt: new Date() } },
        { upsert: true },
      );
    },
  };
}
