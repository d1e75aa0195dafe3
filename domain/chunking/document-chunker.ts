// Chunks one document for either retriever: `contextual` indexes chunks of chunkSize tokens and
// returns them; `parent` indexes small children (200 tokens) and returns their large parents
// (800 tokens), so matching is precise and the answer still gets the surrounding text.
import { chunkIdFor } from './chunk-id.js';
import { chunkMarkdown, type ChunkingOptions } from './markdown-chunker.js';
import { cl100kTokenizer, type Tokenizer } from './tokenizer.js';

export const RETRIEVERS = ['contextual', 'parent'] as const;
export type Retriever = (typeof RETRIEVERS)[number];

export const PARENT_CHUNK_SIZE = 800;
export const CHILD_CHUNK_SIZE = 200;

export interface DocumentChunk {
  chunkId: string;
  documentId: string;
  index: number;
  text: string;
  tokenCount: number;
  headingPath: string[];
  /** The parent chunk returned in place of this one (parent retriever only). */
  parentId: string | null;
}

export interface ParentChunk {
  parentId: string;
  documentId: string;
  index: number;
  text: string;
  headingPath: string[];
}

export interface ChunkedDocument {
  chunks: DocumentChunk[];
  parents: ParentChunk[];
}

export interface DocumentChunkingOptions {
  retriever?: Retriever;
  chunkSize?: number;
  chunkOverlap?: number;
  parentSize?: number;
  childSize?: number;
  tokenizer?: Tokenizer;
}

export function chunkDocument(
  documentId: string,
  markdown: string,
  options: DocumentChunkingOptions = {},
): ChunkedDocument {
  const tokenizer = options.tokenizer ?? cl100kTokenizer();
  const base: ChunkingOptions = { tokenizer, chunkOverlap: options.chunkOverlap };
  if ((options.retriever ?? 'contextual') === 'contextual') {
    const chunks = chunkMarkdown(markdown, { ...base, chunkSize: options.chunkSize });
    return {
      chunks: chunks.map((chunk) => ({
        chunkId: chunkIdFor(documentId, chunk.index, chunk.text),
        documentId,
        index: chunk.index,
        text: chunk.text,
        tokenCount: chunk.tokenCount,
        headingPath: chunk.headingPath,
        parentId: null,
      })),
      parents: [],
    };
  }
  // Parents do not overlap (they are what the reader sees); children overlap within a parent.
  const parentChunks = chunkMarkdown(markdown, {
    tokenizer,
    chunkSize: options.parentSize ?? PARENT_CHUNK_SIZE,
    chunkOverlap: 0,
  });
  const parents: ParentChunk[] = [];
  const chunks: DocumentChunk[] = [];
  for (const parent of parentChunks) {
    const parentId = chunkIdFor(documentId, `parent-${parent.index}`, parent.text);
    parents.push({
      parentId,
      documentId,
      index: parent.index,
      text: parent.text,
      headingPath: parent.headingPath,
    });
    // The parent's open headings seed the children's, so a child's path is the full path.
    const children = chunkMarkdown(parent.text, {
      ...base,
      chunkSize: options.childSize ?? CHILD_CHUNK_SIZE,
      // A heading at the parent's start re-opens itself (same level replaces it).
      initialHeadings: parent.headings,
    });
    for (const child of children) {
      const index = chunks.length;
      chunks.push({
        chunkId: chunkIdFor(documentId, index, child.text),
        documentId,
        index,
        text: child.text,
        tokenCount: child.tokenCount,
        headingPath: child.headingPath,
        parentId,
      });
    }
  }
  return { chunks, parents };
}
