// The answer benchmark's knowledge base: the labelled pages of the PostgreSQL 15 manual plus a
// deterministic set of distractor pages, chunked as the rag pipeline chunks them and written
// into the `rag` collection with a serving index version, exactly the records and state
// activities/rag/ writes, so the agent searches through its production retriever
// (createHybridRetriever over createSearchIndex's LocalSearchIndex).
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import { documentIdForUrl } from '../../domain/document.js';
import { chunkDocument } from '../../domain/chunking/document-chunker.js';
import type { EmbeddingModel } from '../../integrations/embeddings/embedding-model.js';
import type { SearchTablePublisher } from '../../integrations/search/lancedb-tables.js';
import {
  indexedText,
  ragCollection,
  ragRecordId,
  ragStateCollection,
  SERVING_STATE_ID,
  type RagChunkRecord,
  type RagDocumentRecord,
  type RagServingState,
} from '../../integrations/search/rag-records.js';
import {
  ensurePostgresDocs,
  loadPostgresCorpus,
  POSTGRES_DOC_DIRECTORY,
} from '../retrieval/postgres-corpus.js';

export { ensurePostgresDocs };

/** Where the manual's pages are "crawled" from: a source URL ends in the page's file name. */
export const MANUAL_BASE_URL = 'https://www.postgresql.org/docs/15/';

/** The rag pipeline's defaults (domain/workflow-inputs.ts ragIndexInputSchema). */
const CHUNK_SIZE = 640;
const CHUNK_OVERLAP = 0.15;

export interface CorpusDocument {
  file: string;
  documentId: string;
  url: string;
  title: string;
  markdown: string;
}

export interface IndexedCorpus {
  pages: number;
  labelledPages: number;
  chunks: number;
  indexVersion: string;
  embedSeconds: number;
  reusedEmbeddings: number;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Every labelled page, then distractors spread evenly over the rest of the manual (sorted by
 * file name, every n-th page) up to `total` pages: the same pages on every run.
 */
export function selectPages(labelled: string[], total: number): string[] {
  const all = readdirSync(POSTGRES_DOC_DIRECTORY)
    .filter((name) => name.endsWith('.html'))
    .sort();
  const wanted = [...new Set(labelled)].sort();
  for (const file of wanted)
    if (!all.includes(file)) throw new Error(`labelled page ${file} is not in the manual`);
  const others = all.filter((file) => !wanted.includes(file));
  const distractors = Math.max(0, Math.min(others.length, total - wanted.length));
  const stride = distractors > 0 ? others.length / distractors : 1;
  const chosen = Array.from(
    { length: distractors },
    (_, index) => others[Math.floor(index * stride)]!,
  );
  return [...wanted, ...chosen].sort();
}

/** The chosen pages as Markdown (the retrieval benchmark's HTML-to-Markdown conversion). */
export function loadPages(files: string[]): CorpusDocument[] {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'answer-bench-pages-'));
  try {
    for (const file of files)
      symlinkSync(path.join(POSTGRES_DOC_DIRECTORY, file), path.join(directory, file));
    return loadPostgresCorpus(directory).map((page) => {
      const url = `${MANUAL_BASE_URL}${page.file}`;
      return {
        file: page.file,
        documentId: documentIdForUrl(url),
        url,
        title: page.title,
        markdown: page.markdown,
      };
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Vectors by embedding key, kept between runs (bench/results is gitignored). */
class EmbeddingCache {
  private readonly vectors = new Map<string, string>();
  private dirty = false;

  constructor(private readonly file: string) {
    if (existsSync(file)) {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      for (const [key, value] of Object.entries(stored)) this.vectors.set(key, value);
    }
  }

  get(key: string): number[] | undefined {
    const value = this.vectors.get(key);
    if (!value) return undefined;
    const bytes = Buffer.from(value, 'base64');
    return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  }

  set(key: string, vector: Float32Array): void {
    this.vectors.set(
      key,
      Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64'),
    );
    this.dirty = true;
  }

  save(): void {
    if (!this.dirty) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.vectors)));
  }
}

/**
 * Chunks, embeds and writes the corpus as one rag index version and switches the serving
 * pointer to it, as the rag pipeline's indexRagBatch and activateRagIndex do.
 */
export async function indexCorpus(
  db: Db,
  documents: CorpusDocument[],
  model: EmbeddingModel,
  options: {
    labelledPages: number;
    cacheFile: string;
    say: (message: string) => void;
    /** The configured backend's tables (LanceDB), published before the switch as activation does. */
    searchTables?: SearchTablePublisher;
  },
): Promise<IndexedCorpus> {
  const modelKey = `${model.provider}/${model.modelId}/${model.dimensions}`;
  const indexVersion = `bench-${sha256Hex(`${modelKey}\n${documents.map((d) => d.url).join('\n')}`).slice(0, 12)}`;
  const records: RagChunkRecord[] = [];
  const markers: RagDocumentRecord[] = [];
  for (const document of documents) {
    const contentHash = sha256Hex(document.markdown);
    const { chunks } = chunkDocument(document.documentId, document.markdown, {
      retriever: 'contextual',
      chunkSize: CHUNK_SIZE,
      chunkOverlap: CHUNK_OVERLAP,
    });
    for (const chunk of chunks) {
      records.push({
        _id: ragRecordId(indexVersion, chunk.chunkId),
        kind: 'chunk',
        chunkId: chunk.chunkId,
        documentId: document.documentId,
        indexVersion,
        chunkIndex: chunk.index,
        text: chunk.text,
        context: '',
        embedding: [],
        embeddingKey: sha256Hex(`${modelKey}\n${indexedText({ context: '', text: chunk.text })}`),
        headingPath: chunk.headingPath,
        url: document.url,
        title: document.title,
        parentId: chunk.parentId,
        contentHash,
      });
    }
    markers.push({
      _id: ragRecordId(indexVersion, `document:${document.documentId}`),
      kind: 'document',
      documentId: document.documentId,
      indexVersion,
      documentHash: sha256Hex(`${contentHash}\n${document.url}\n${document.title}`),
      contentHash,
      chunkCount: chunks.length,
    });
  }

  const cache = new EmbeddingCache(options.cacheFile);
  const pending: RagChunkRecord[] = [];
  let reused = 0;
  for (const record of records) {
    const vector = cache.get(record.embeddingKey);
    if (vector && vector.length === model.dimensions) {
      record.embedding = vector;
      reused++;
    } else pending.push(record);
  }
  const started = performance.now();
  const batchSize = Math.max(1, Math.min(32, model.maxBatchSize));
  for (let start = 0; start < pending.length; start += batchSize) {
    const batch = pending.slice(start, start + batchSize);
    const vectors = await model.embed(batch.map((record) => indexedText(record)));
    batch.forEach((record, index) => {
      const vector = vectors[index]!;
      record.embedding = Array.from(vector);
      cache.set(record.embeddingKey, vector);
    });
    if ((start / batchSize) % 10 === 0)
      options.say(`embedded ${start + batch.length}/${pending.length} chunks`);
  }
  const embedSeconds = (performance.now() - started) / 1000;
  cache.save();

  const rag = ragCollection(db);
  await rag.deleteMany({});
  for (let start = 0; start < records.length; start += 200)
    await rag.insertMany(records.slice(start, start + 200), { ordered: false });
  await rag.insertMany(markers, { ordered: false });
  await options.searchTables?.publish(db, indexVersion, model.dimensions);
  const serving: RagServingState = {
    _id: SERVING_STATE_ID,
    indexVersion,
    configKey: sha256Hex(`bench\n${modelKey}\n${CHUNK_SIZE}\n${CHUNK_OVERLAP}`),
    embedding: { provider: model.provider, modelId: model.modelId, dimensions: model.dimensions },
    retriever: 'contextual',
    chunkCount: records.length,
    documentCount: markers.length,
    activatedAt: new Date(),
  };
  await ragStateCollection(db).replaceOne({ _id: SERVING_STATE_ID }, serving, { upsert: true });
  return {
    pages: documents.length,
    labelledPages: options.labelledPages,
    chunks: records.length,
    indexVersion,
    embedSeconds,
    reusedEmbeddings: reused,
  };
}
