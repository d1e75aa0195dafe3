// The body of the extraction worker thread (see extraction-worker.ts): it parses pages one at a
// time and answers on its port, so a page that takes long to parse blocks this thread only.
import { parentPort } from 'node:worker_threads';
import { decodeHtml, extractPage } from './content-extraction.js';

export interface ExtractionJob {
  id: number;
  /**
   * The body as fetched, decoded here rather than on the crawling thread: bytes are copied in
   * one memcpy and never enter that thread's garbage-collected heap, while a decoded string
   * would sit there (pages wait in the queue while this thread is busy) and be copied from
   * young to old space by every collection it lives through.
   */
  bytes: Uint8Array;
  /** The charset the response header declared, if any. */
  charset: string | undefined;
  url: string;
}

const port = parentPort;
if (port) {
  port.on('message', (job: ExtractionJob) => {
    try {
      const html = decodeHtml(
        Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength),
        job.charset,
      );
      port.postMessage({ id: job.id, page: extractPage(html, job.url) });
    } catch (error) {
      port.postMessage({ id: job.id, error: (error as Error).message });
    }
  });
  port.postMessage({ ready: true });
}
