// Chooses the search adapter from the configuration and the query embedding model from what
// the serving index records: the built-in hashing model is rebuilt from its id, any other model
// must be the one configured.
import type { Db } from 'mongodb';
import type { Config } from '../../config/environment.js';
import type { EmbeddingModel } from '../embeddings/embedding-model.js';
import { HASHING_PROVIDER, hashingModelFromId } from '../embeddings/hashing-embedding-model.js';
import { AtlasSearchIndex } from './atlas-search-index.js';
import {
  LanceDbSearchIndex,
  lanceDbTablePublisher,
  type SearchTablePublisher,
} from './lancedb-search-index.js';
import { LocalSearchIndex, type QueryEmbeddings } from './local-search-index.js';
import type { SearchIndex } from './search-index.js';

export function queryEmbeddingsFor(configured: EmbeddingModel | undefined): QueryEmbeddings {
  return (embedding) =>
    embedding.provider === HASHING_PROVIDER ? hashingModelFromId(embedding.modelId) : configured;
}

export function createSearchIndex(
  db: Db,
  settings: Config['rag'],
  embeddings?: EmbeddingModel,
): SearchIndex {
  const queryEmbeddings = queryEmbeddingsFor(embeddings);
  switch (settings.searchBackend) {
    case 'atlas':
      return new AtlasSearchIndex({
        db,
        embeddings: queryEmbeddings,
        fusion: settings.atlasFusion,
      });
    case 'lancedb':
      return new LanceDbSearchIndex({
        db,
        location: settings.lancedb,
        embeddings: queryEmbeddings,
      });
    case 'local':
      return new LocalSearchIndex({ db, embeddings: queryEmbeddings });
  }
}

/** What the activation step publishes besides the MongoDB records (nothing for local/atlas). */
export function createSearchTablePublisher(
  settings: Config['rag'],
): SearchTablePublisher | undefined {
  return settings.searchBackend === 'lancedb' ? lanceDbTablePublisher(settings.lancedb) : undefined;
}
