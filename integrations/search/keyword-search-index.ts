// Keyword search through the search port, with no vectors and no embedding model: the agent's
// fallback before any index version serves, or when the query cannot be embedded. It ranks with
// the one BM25 (domain/ranking/bm25.ts) and the one analyzer (text-terms.ts), over the serving
// version's chunks only, so a rebuild in progress never doubles the results. Before anything
// serves, it ranks the chunk records that carry no version at all (imported or seeded directly).
import type { Db } from 'mongodb';
import { SecondBrainError } from '../../domain/errors.js';
import { Bm25Index } from '../../domain/ranking/bm25.js';
import { DEFAULT_SEARCH_K } from '../../domain/ranking/search-defaults.js';
import { isEmptyFilter, matchesFilters } from '../../domain/ranking/search-filters.js';
import { expandParents } from './local-search-index.js';
import {
  indexedText,
  ragCollection,
  readServingState,
  type RagServingState,
} from './rag-records.js';
import type { SearchIndex, SearchOptions, SearchResult } from './search-index.js';

type KeywordChunk = Pick<
  SearchResult,
  'chunkId' | 'documentId' | 'url' | 'title' | 'text' | 'context' | 'headingPath' | 'parentId'
>;

interface Loaded {
  at: number;
  state: RagServingState | null;
  chunks: KeywordChunk[];
  bm25: Bm25Index;
}

export class KeywordSearchIndex implements SearchIndex {
  readonly backend = 'keyword' as const;
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: { refreshMs?: number } = {},
  ) {}

  async indexVersion(): Promise<string | null> {
    return (await this.current()).state?.indexVersion ?? null;
  }

  private async current(): Promise<Loaded> {
    if (this.loaded && Date.now() - this.loaded.at < (this.options.refreshMs ?? 10_000)) {
      return this.loaded;
    }
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return (this.loaded = await this.loading);
  }

  private async load(): Promise<Loaded> {
    const state = await readServingState(this.db);
    if (this.loaded && this.loaded.state?.indexVersion === state?.indexVersion && state) {
      return { ...this.loaded, at: Date.now() };
    }
    const filter = state
      ? { indexVersion: state.indexVersion, kind: 'chunk' as const }
      : {
          indexVersion: { $exists: false },
          $or: [{ kind: 'chunk' as const }, { kind: { $exists: false } }],
        };
    const chunks: KeywordChunk[] = [];
    const texts: string[] = [];
    for await (const record of ragCollection(this.db)
      .find(filter as never)
      .project<Record<string, unknown>>({ embedding: 0 })
      .sort({ _id: 1 })) {
      if (typeof record.text !== 'string') continue;
      const chunk: KeywordChunk = {
        chunkId: typeof record.chunkId === 'string' ? record.chunkId : String(record._id),
        documentId: typeof record.documentId === 'string' ? record.documentId : '',
        url: typeof record.url === 'string' ? record.url : '',
        title: typeof record.title === 'string' ? record.title : '',
        text: record.text,
        context: typeof record.context === 'string' ? record.context : '',
        headingPath: Array.isArray(record.headingPath) ? (record.headingPath as string[]) : [],
        parentId: typeof record.parentId === 'string' ? record.parentId : null,
      };
      chunks.push(chunk);
      // Without vectors, the title and headings carry much of what a chunk is about.
      texts.push(`${chunk.title}\n${chunk.headingPath.join('\n')}\n${indexedText(chunk)}`);
    }
    return { at: Date.now(), state, chunks, bm25: new Bm25Index(texts) };
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const k = options.k ?? DEFAULT_SEARCH_K;
    if (options.mode !== undefined && options.mode !== 'text' && options.mode !== 'hybrid') {
      throw new SecondBrainError(
        'validation',
        `Keyword search cannot run a ${options.mode} search`,
      );
    }
    const { state, chunks, bm25 } = await this.current();
    const filters = options.filters;
    const accept = isEmptyFilter(filters)
      ? undefined
      : (index: number) => matchesFilters(chunks[index] as KeywordChunk, filters);
    const expand = (options.expandParents ?? true) && state?.retriever === 'parent';
    const results = bm25.search(query, expand ? k * 4 : k, accept).map(({ index, score }) => {
      const chunk = chunks[index] as KeywordChunk;
      return { ...chunk, score, matchedChunkId: chunk.chunkId };
    });
    return expand && state
      ? expandParents(this.db, state.indexVersion, results, k)
      : results.slice(0, k);
  }
}
