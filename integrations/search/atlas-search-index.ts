// The Atlas adapter: a vector search index and a text search index on the `rag` collection,
// queried with $vectorSearch and $search and fused with $rankFusion (MongoDB 8.0+) or with
// reciprocal rank fusion client-side. Atlas Search cannot run on the development machines, so
// the pipelines built here are unit-tested as data and the adapter is unverified against a live
// Atlas cluster (see the README).
import type { Collection, Db, Document } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { reciprocalRankFusion } from '../../domain/ranking/reciprocal-rank-fusion.js';
import type { SearchFilters } from '../../domain/ranking/search-filters.js';
import {
  assertSameEmbeddingModel,
  expandParents,
  type QueryEmbeddings,
} from './local-search-index.js';
import { ragCollection, readServingState, type RagRecord } from './rag-records.js';
import {
  DEFAULT_SEARCH_K,
  type SearchIndex,
  type SearchOptions,
  type SearchResult,
} from './search-index.js';

export const ATLAS_VECTOR_INDEX = 'rag_vector_index';
export const ATLAS_TEXT_INDEX = 'rag_text_index';

export interface AtlasSearchIndexDefinition {
  name: string;
  type: 'vectorSearch' | 'search';
  definition: Document;
}

/** The two index definitions for `createSearchIndexes`. */
export function atlasIndexDefinitions(dimensions: number): AtlasSearchIndexDefinition[] {
  return [
    {
      name: ATLAS_VECTOR_INDEX,
      type: 'vectorSearch',
      definition: {
        fields: [
          { type: 'vector', path: 'embedding', numDimensions: dimensions, similarity: 'cosine' },
          { type: 'filter', path: 'indexVersion' },
          { type: 'filter', path: 'kind' },
          { type: 'filter', path: 'documentId' },
        ],
      },
    },
    {
      name: ATLAS_TEXT_INDEX,
      type: 'search',
      definition: {
        mappings: {
          dynamic: false,
          fields: {
            text: { type: 'string', analyzer: 'lucene.standard' },
            context: { type: 'string', analyzer: 'lucene.standard' },
            title: { type: 'string', analyzer: 'lucene.standard' },
            // token: exact-match fields that `equals` and `in` filter on.
            indexVersion: { type: 'token' },
            kind: { type: 'token' },
            documentId: { type: 'token' },
          },
        },
      },
    },
  ];
}

/** Creates the missing indexes and waits until both are queryable (they build asynchronously). */
export async function ensureAtlasSearchIndexes(
  collection: Collection<RagRecord>,
  dimensions: number,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const definitions = atlasIndexDefinitions(dimensions);
  const existing = new Set(
    (await collection.listSearchIndexes().toArray()).map((index) => String(index.name)),
  );
  const missing = definitions.filter((definition) => !existing.has(definition.name));
  if (missing.length > 0) await collection.createSearchIndexes(missing);
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    const indexes = (await collection.listSearchIndexes().toArray()) as Array<{
      name: string;
      queryable?: boolean;
      status?: string;
    }>;
    const ready = definitions.every((definition) =>
      indexes.some((index) => index.name === definition.name && index.queryable === true),
    );
    if (ready) return;
    if (Date.now() > deadline) {
      throw new SecondBrainError('transient', 'Atlas search indexes are not queryable yet', {
        details: { indexes: indexes.map((index) => ({ name: index.name, status: index.status })) },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5_000));
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Filters Atlas cannot pre-filter on (prefixes) become a $match after the search stage. */
export function postFilterStages(filters: SearchFilters | undefined): Document[] {
  const match: Document = {};
  if (filters?.urlPrefix) match.url = { $regex: `^${escapeRegex(filters.urlPrefix)}` };
  filters?.headingPath?.forEach((title, index) => {
    match[`headingPath.${index}`] = { $regex: `^${escapeRegex(title)}$`, $options: 'i' };
  });
  return Object.keys(match).length > 0 ? [{ $match: match }] : [];
}

const RESULT_PROJECTION = {
  _id: 0,
  chunkId: 1,
  documentId: 1,
  url: 1,
  title: 1,
  text: 1,
  context: 1,
  headingPath: 1,
  parentId: 1,
};

export function vectorSearchPipeline(args: {
  queryVector: number[];
  k: number;
  indexVersion: string;
  filters?: SearchFilters;
  numCandidates?: number;
}): Document[] {
  const post = postFilterStages(args.filters);
  // Post-filters drop hits after the search, so fetch more when there are any.
  const limit = post.length > 0 ? args.k * 10 : args.k;
  const filter: Document[] = [
    { indexVersion: { $eq: args.indexVersion } },
    { kind: { $eq: 'chunk' } },
  ];
  if (args.filters?.documentIds) filter.push({ documentId: { $in: args.filters.documentIds } });
  return [
    {
      $vectorSearch: {
        index: ATLAS_VECTOR_INDEX,
        path: 'embedding',
        queryVector: args.queryVector,
        numCandidates: args.numCandidates ?? Math.max(100, limit * 10),
        limit,
        filter: { $and: filter },
      },
    },
    ...post,
    { $limit: args.k },
    { $project: { ...RESULT_PROJECTION, score: { $meta: 'vectorSearchScore' } } },
  ];
}

export function textSearchPipeline(args: {
  query: string;
  k: number;
  indexVersion: string;
  filters?: SearchFilters;
}): Document[] {
  const filter: Document[] = [
    { equals: { path: 'indexVersion', value: args.indexVersion } },
    { equals: { path: 'kind', value: 'chunk' } },
  ];
  if (args.filters?.documentIds)
    filter.push({ in: { path: 'documentId', value: args.filters.documentIds } });
  return [
    {
      $search: {
        index: ATLAS_TEXT_INDEX,
        compound: {
          must: [{ text: { query: args.query, path: ['context', 'text'] } }],
          should: [{ text: { query: args.query, path: 'title' } }],
          filter,
        },
      },
    },
    ...postFilterStages(args.filters),
    { $limit: args.k },
    { $project: { ...RESULT_PROJECTION, score: { $meta: 'searchScore' } } },
  ];
}

/** Server-side hybrid: $rankFusion (MongoDB 8.0+) runs both searches and fuses their ranks. */
export function rankFusionPipeline(args: {
  query: string;
  queryVector: number[];
  k: number;
  indexVersion: string;
  filters?: SearchFilters;
  candidates?: number;
}): Document[] {
  const candidates = Math.max(args.k, args.candidates ?? 50);
  // Inside $rankFusion each input must be a ranked selection: drop the $project stages.
  const strip = (pipeline: Document[]) => pipeline.filter((stage) => !('$project' in stage));
  return [
    {
      $rankFusion: {
        input: {
          pipelines: {
            vector: strip(vectorSearchPipeline({ ...args, k: candidates })),
            text: strip(textSearchPipeline({ ...args, k: candidates })),
          },
        },
        combination: { weights: { vector: 1, text: 1 } },
      },
    },
    { $limit: args.k },
    { $project: { ...RESULT_PROJECTION, score: { $meta: 'score' } } },
  ];
}

interface AtlasHit {
  chunkId: string;
  documentId: string;
  url: string;
  title: string;
  text: string;
  context?: string;
  headingPath?: string[];
  parentId?: string | null;
  score: number;
}

export interface AtlasSearchIndexOptions {
  db: Db;
  embeddings?: QueryEmbeddings;
  /** `rankFusion` needs MongoDB 8.0+; `client` runs both searches and fuses here. */
  fusion?: 'rankFusion' | 'client';
}

export class AtlasSearchIndex implements SearchIndex {
  readonly backend = 'atlas' as const;

  constructor(private readonly options: AtlasSearchIndexOptions) {}

  async indexVersion(): Promise<string | null> {
    return (await readServingState(this.options.db))?.indexVersion ?? null;
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const k = options.k ?? DEFAULT_SEARCH_K;
    const mode = options.mode ?? 'hybrid';
    const state = await readServingState(this.options.db);
    if (!state) return [];
    const collection = ragCollection(this.options.db);
    const expand = (options.expandParents ?? true) && state.retriever === 'parent';
    const fetchK = expand ? k * 4 : k;
    const base = { query, k: fetchK, indexVersion: state.indexVersion, filters: options.filters };
    let queryVector: number[] = [];
    if (mode !== 'text') {
      const [vector] = await assertSameEmbeddingModel(state, this.options.embeddings).embed([
        query,
      ]);
      queryVector = Array.from(vector ?? []);
    }
    const run = async (pipeline: Document[]) =>
      await collection.aggregate<AtlasHit>(pipeline).toArray();
    let hits: AtlasHit[];
    if (mode === 'vector') hits = await run(vectorSearchPipeline({ ...base, queryVector }));
    else if (mode === 'text') hits = await run(textSearchPipeline(base));
    else if ((this.options.fusion ?? 'client') === 'rankFusion') {
      hits = await run(rankFusionPipeline({ ...base, queryVector }));
    } else {
      const candidates = Math.max(fetchK, 50);
      const [vectorHits, textHits] = await Promise.all([
        run(vectorSearchPipeline({ ...base, k: candidates, queryVector })),
        run(textSearchPipeline({ ...base, k: candidates })),
      ]);
      const byId = new Map([...vectorHits, ...textHits].map((hit) => [hit.chunkId, hit]));
      hits = reciprocalRankFusion([
        vectorHits.map((hit) => hit.chunkId),
        textHits.map((hit) => hit.chunkId),
      ])
        .slice(0, fetchK)
        .map(({ id, score }) => ({ ...(byId.get(id) as AtlasHit), score }));
    }
    const results: SearchResult[] = hits.map((hit) => ({
      chunkId: hit.chunkId,
      documentId: hit.documentId,
      url: hit.url,
      title: hit.title,
      score: hit.score,
      text: hit.text,
      context: hit.context ?? '',
      headingPath: hit.headingPath ?? [],
      matchedChunkId: hit.chunkId,
      parentId: hit.parentId ?? null,
    }));
    return expand
      ? expandParents(this.options.db, state.indexVersion, results, k)
      : results.slice(0, k);
  }
}
