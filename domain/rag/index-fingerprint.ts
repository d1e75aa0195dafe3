// What decides whether an index version can be reused: the configuration key (everything that
// shapes chunks and vectors) and each document's fingerprint (content, URL and title, which
// every chunk record repeats). Pure, so planning and indexing compute them identically.
import { sha256Hex } from '../chunking/chunk-id.js';
import { resolveChunkOverlap } from '../chunking/markdown-chunker.js';
import type { RagIndexSettings } from './rag-index.js';

/** Bumped when chunking or record layout changes, so old indexes are rebuilt, not reused. */
export const INDEX_FORMAT = 'rag-v1';

export interface ModelIdentity {
  provider: string;
  modelId: string;
}

export function indexConfigKey(
  settings: RagIndexSettings,
  tokenizerName: string,
  embedding: ModelIdentity & { dimensions: number },
  llm: ModelIdentity | undefined,
): string {
  return sha256Hex(
    JSON.stringify({
      format: INDEX_FORMAT,
      tokenizer: tokenizerName,
      retriever: settings.retriever,
      chunkSize: settings.retriever === 'parent' ? null : settings.chunkSize,
      overlap: resolveChunkOverlap(settings.chunkSize, settings.chunkOverlap),
      contextualMode: settings.contextualMode,
      llm: llm ? `${llm.provider}/${llm.modelId}` : null,
      embedding: `${embedding.provider}/${embedding.modelId}/${embedding.dimensions}`,
    }),
  ).slice(0, 16);
}

/** A document's fingerprint in the index: changes when its content, URL or title does. */
export function documentFingerprint(contentHash: string, url: string, title: string): string {
  return sha256Hex(`${contentHash}\n${url}\n${title}`);
}

/** The key an embedding is stored and reused under: the model and the exact indexed text. */
export function embeddingKey(
  embedding: ModelIdentity & { dimensions: number },
  indexedText: string,
): string {
  return sha256Hex(
    `${embedding.provider}/${embedding.modelId}/${embedding.dimensions}\n${indexedText}`,
  );
}

export interface VersionComparison {
  changed: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Merges what is selected now with what the serving version holds: a document is unchanged only
 * when the configuration is the same and its fingerprint matches; served documents no longer
 * selected are removed.
 */
export function compareWithServing(
  selected: ReadonlyArray<{ id: string; documentHash: string }>,
  served: ReadonlyMap<string, string>,
  sameConfig: boolean,
): VersionComparison {
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const item of selected) {
    if (sameConfig && served.get(item.id) === item.documentHash) unchanged.push(item.id);
    else changed.push(item.id);
  }
  const selectedIds = new Set(selected.map((item) => item.id));
  const removed = [...served.keys()].filter((id) => !selectedIds.has(id));
  return { changed, unchanged, removed };
}
