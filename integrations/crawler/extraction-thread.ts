// The body of the extraction worker thread (see extraction-worker.ts): it parses pages one at a
// time and answers on its port, so a page that takes long to parse blocks this thread only.
import { parentPort } from 'node:worker_threads';
import { extractPage } from './content-extraction.js';

export interface ExtractionJob {
  id: number;
  html: string;
  url: string;
}

const port = parentPort;
if (port) {
  port.on('message', (job: ExtractionJob) => {
    try {
      port.postMessage({ id: job.id, page: extractPage(job.html, job.url) });
    } catch (error) {
      port.postMessage({ id: job.id, error: (error as Error).message });
    }
  });
  port.postMessage({ ready: true });
}
