// The crawl activity's one writer loop: crawled pages are buffered and written in bulk, one
// write at a time, so the crawler never waits on the database and each write is one round
// trip. A page counts as done (in the heartbeat) only once its write has finished.
import type { EtlDocument } from '../../domain/etl-documents.js';

export interface PageWriter {
  /** Buffers a page; a full buffer is written at once. */
  push(document: EtlDocument): void;
  /** Stops the periodic flush and writes what is left; a failed write is kept for `check`. */
  drain(): Promise<void>;
  /** Throws the first failed write, if any (after `drain`). */
  check(): void;
  /** Bulk writes made and the seconds they took, for the batch's timings. */
  readonly profile: { writes: number; writeSeconds: number };
}

export function createPageWriter(
  write: (pages: EtlDocument[]) => Promise<void>,
  options: { batchSize: number; flushIntervalMs: number },
): PageWriter {
  const profile = { writes: 0, writeSeconds: 0 };
  let buffer: EtlDocument[] = [];
  let writing: Promise<void> = Promise.resolve();
  let writeError: Error | undefined;
  const flush = () => {
    if (buffer.length === 0) return writing;
    const pages = buffer;
    buffer = [];
    writing = writing.then(async () => {
      // After a failed write nothing more is written: the attempt fails and its retry resumes
      // from the heartbeat, which holds only pages whose write finished.
      if (writeError) return;
      try {
        const started = performance.now();
        await write(pages);
        profile.writeSeconds += (performance.now() - started) / 1000;
        profile.writes++;
      } catch (error) {
        writeError = error instanceof Error ? error : new Error(`upsert failed: ${String(error)}`);
      }
    });
    return writing;
  };
  // A slow crawl still writes (and records) what it has, so little is redone after a crash.
  const timer = setInterval(() => void flush(), options.flushIntervalMs);
  return {
    profile,
    push(document) {
      buffer.push(document);
      if (buffer.length >= options.batchSize) void flush();
    },
    async drain() {
      clearInterval(timer);
      await flush();
    },
    check() {
      if (writeError) throw writeError;
    },
  };
}
