// The embedded search adapter: loads the serving index version from MongoDB into memory
// (vectors as Float32Arrays, a BM25 inverted index over the same texts) and ranks there. It
// needs nothing beyond plain find(), so it runs on FerretDB and MongoDB Community. It checks the
// serving version at most every `refreshIntervalMs` and reloads when a new version was switched
// in, so a rebuild becomes visible without restarting anything.
import type { Db } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { HybridRanker, type RankableChunk } from '../../domain/ranking/hybrid-ranker.js';
import type { EmbeddingModel } from '../embeddings/embedding-model.js';
import {
  indexedText,
  ragCollection,
  ragRecordId,
  readServingState,
  type RagChunkRecord,
  type RagParentRecord,
  type RagServingState,
} from './rag-records.js';
import {
  DEFAULT_SEARCH_K,
  type SearchIndex,
  type SearchOptions,
  type SearchResult,
} from './search-index.js';

interface LoadedChunk extends RankableChunk {
  chunkId: string;
  title: string;
  text: string;
  context: string;
  headingPath: string[];
  parentId: string | null;
}

interface LoadedIndex {
  state: RagServingState;
  chunks: LoadedChunk[];
  ranker: HybridRanker;
}

export interface LocalSearchIndexOptions {
  db: Db;
  /** Embeds queries; must be the model the serving index was built with. */
  embeddings?: QueryEmbeddings;
  refreshIntervalMs?: number;
}

/** A query embedding model, or a function choosing one for the index's recorded model. */
export type QueryEmbeddings =
  EmbeddingModel | ((embedding: RagServingState['embedding']) => EmbeddingModel | undefined);

/** Checks that the query model is the index's model: vectors of two models are not comparable. */
export function assertSameEmbeddingModel(
  state: RagServingState,
  embeddings: QueryEmbeddings | undefined,
): EmbeddingModel {
  const model = typeof embeddings === 'function' ? embeddings(state.embedding) : embeddings;
  if (!model) {
    throw new SecondBrainError(
      'validation',
      `Vector search needs the embedding model the index was built with (${state.embedding.provider}/${state.embedding.modelId}); none is configured`,
    );
  }
  if (model.provider !== state.embedding.provider || model.modelId !== state.embedding.modelId) {
    throw new SecondBrainError(
      'validation',
      `The index was built with ${state.embedding.provider}/${state.embedding.modelId} but queries would be embedded with ${model.provider}/${model.modelId}; rebuild the index or configure the same model`,
    );
  }
  return model;
}

export class LocalSearchIndex implements SearchIndex {
  readonly backend = 'local' as const;
  private loaded: LoadedIndex | undefined;
  private loading: Promise<LoadedIndex | undefined> | undefined;
  private checkedAt = 0;

  constructor(private readonly options: LocalSearchIndexOptions) {}

  async indexVersion(): Promise<string | null> {
    return (await this.current())?.state.indexVersion ?? null;
  }

  /** Forces the next search to re-check the serving version. */
  invalidate(): void {
    this.checkedAt = 0;
  }

  /** The loaded index, reloaded when the serving version changed. */
  private async current(): Promise<LoadedIndex | undefined> {
    const interval = this.options.refreshIntervalMs ?? 1_000;
    if (this.loaded && Date.now() - this.checkedAt < interval) return this.loaded;
    this.loading ??= (async () => {
      try {
        const state = await readServingState(this.options.db);
        this.checkedAt = Date.now();
        if (!state) return (this.loaded = undefined);
        if (this.loaded?.state.indexVersion === state.indexVersion) return this.loaded;
        this.loaded = await this.load(state);
        return this.loaded;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async load(state: RagServingState): Promise<LoadedIndex> {
    const cursor = ragCollection(this.options.db)
      .find({ indexVersion: state.indexVersion, kind: 'chunk' })
      .sort({ _id: 1 });
    const chunks: LoadedChunk[] = [];
    for await (const record of cursor) {
      const chunk = record as RagChunkRecord;
      chunks.push({
        chunkId: chunk.chunkId,
        documentId: chunk.documentId,
        url: chunk.url,
        title: chunk.title,
        text: chunk.text,
        context: chunk.context,
        headingPath: chunk.headingPath,
        parentId: chunk.parentId,
        indexedText: indexedText(chunk),
        vector: Float32Array.from(chunk.embedding),
      });
    }
    return { state, chunks, ranker: new HybridRanker(chunks, state.embedding.dimensions) };
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const k = options.k ?? DEFAULT_SEARCH_K;
    const mode = options.mode ?? 'hybrid';
    if (query.trim() === '') throw new SecondBrainError('validation', 'The search query is empty');
    const index = await this.current();
    if (!index || index.chunks.length === 0) return [];
    let vector: Float32Array | undefined;
    if (mode !== 'text') {
      const model = assertSameEmbeddingModel(index.state, this.options.embeddings);
      [vector] = await model.embed([query]);
    }
    const expand = (options.expandParents ?? true) && index.state.retriever === 'parent';
    // With parents expanded, several children of one parent collapse into one result, so ask for
    // more hits than k.
    const hits = index.ranker.rank(
      { text: query, vector },
      { k: expand ? k * 4 : k, mode, filters: options.filters },
    );
    const results: SearchResult[] = hits.map((hit) => {
      const chunk = index.chunks[hit.index] as LoadedChunk;
      return {
        chunkId: chunk.chunkId,
        documentId: chunk.documentId,
        url: chunk.url,
        title: chunk.title,
        score: hit.score,
        text: chunk.text,
        context: chunk.context,
        headingPath: chunk.headingPath,
        matchedChunkId: chunk.chunkId,
        parentId: chunk.parentId,
      };
    });
    return expand
      ? expandParents(this.options.db, index.state.indexVersion, results, k)
      : results.slice(0, k);
  }
}

/** Replaces each hit by its parent chunk, keeping the best-ranked hit per parent. */
export async function expandParents(
  db: Db,
  indexVersion: string,
  results: SearchResult[],
  k: number,
): Promise<SearchResult[]> {
  const seen = new Set<string>();
  const kept: SearchResult[] = [];
  for (const result of results) {
    const key = result.parentId ?? `chunk:${result.chunkId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(result);
    if (kept.length === k) break;
  }
  const parentIds = kept.flatMap((result) =>
    result.parentId ? [ragRecordId(indexVersion, result.parentId)] : [],
  );
  if (parentIds.length === 0) return kept;
  const parents = new Map<string, RagParentRecord>();
  for await (const record of ragCollection(db).find({ _id: { $in: parentIds } })) {
    if (record.kind === 'parent') parents.set(record.chunkId, record);
  }
  return kept.map((result) => {
    const parent = result.parentId ? parents.get(result.parentId) : undefined;
    return parent
      ? { ...result, chunkId: parent.chunkId, text: parent.text, headingPath: parent.headingPath }
      : result;
  });
}
