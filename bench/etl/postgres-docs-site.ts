// The ETL benchmarks' web site: Debian's postgresql-doc-15 HTML (about 1,100 real pages of the
// PostgreSQL manual, installed with apt if missing) served as static files on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrawlSettings } from '../../integrations/crawler/page-crawler.js';
import {
  ensurePostgresDocs,
  POSTGRES_DOC_DIRECTORY as HTML_DIRECTORY,
} from '../retrieval/postgres-corpus.js';

export { ensurePostgresDocs };

/** The first `count` page names of the manual, sorted (the same pages every run). */
export function manualPages(count: number): string[] {
  return readdirSync(HTML_DIRECTORY)
    .filter((name) => name.endsWith('.html'))
    .sort()
    .slice(0, count);
}

/** Serves the manual's directory as a static file server would (404 for anything else). */
export async function serveManual(): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.css': 'text/css',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
  };
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = path.join(HTML_DIRECTORY, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(HTML_DIRECTORY) || !existsSync(file) || pathname.endsWith('/')) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': types[path.extname(file)] ?? 'application/octet-stream',
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * The same site from a process of its own, as any real site is: a crawler in the process that
 * serves its pages gets them without waking another process, and pays for serving them on its
 * own event loop. bench/etl times both paths against this one site.
 */
export async function serveManualInOwnProcess(): Promise<{
  origin: string;
  pid: number;
  stop(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), SERVE_FLAG],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const origin = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('http://'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the manual's server exited with ${code}`)));
  });
  return {
    origin,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const SERVE_FLAG = '--serve-manual';

if (process.argv.includes(SERVE_FLAG) && process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin } = await serveManual();
  process.stdout.write(`${origin}\n`);
  process.once('SIGTERM', () => process.exit(0));
}

/** The crawl settings both ETL benches use: the manual on loopback, `concurrency` at once. */
export function benchCrawlSettings(concurrency: number): CrawlSettings {
  return {
    maxConcurrency: concurrency,
    perHostConcurrency: concurrency,
    timeoutSecs: 30,
    maxRetries: 3,
    maxPageBytes: 5_000_000,
    maxRedirects: 5,
    respectRobotsTxt: true,
    allowedHosts: ['127.0.0.1'],
  };
}
