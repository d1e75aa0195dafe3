// Chooses the search adapter from the configuration and the query embedding model from what
// the serving index records: the built-in hashing model is rebuilt from its id, any other model
// must be the one configured.
import type { Db } from 'mongodb';
import type { Config } from '../../config/environment.js';
import type { EmbeddingModel } from '../embeddings/embedding-model.js';
import { HASHING_PROVIDER, hashingModelFromId } from '../embeddings/hashing-embedding-model.js';
import { AtlasSearchIndex } from './atlas-search-index.js';
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
  return settings.searchBackend === 'atlas'
    ? new AtlasSearchIndex({ db, embeddings: queryEmbeddings, fusion: settings.atlasFusion })
    : new LocalSearchIndex({ db, embeddings: queryEmbeddings });
}
