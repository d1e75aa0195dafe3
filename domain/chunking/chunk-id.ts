// Stable chunk ids: the same document, position and text always give the same id, so re-running
// an indexing step upserts the same records instead of adding duplicates.
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** 32 hex characters from (document id, chunk index, hash of the chunk's text). */
export function chunkIdFor(documentId: string, index: number | string, text: string): string {
  return sha256Hex(`${documentId}\u0000${index}\u0000${sha256Hex(text)}`).slice(0, 32);
}
