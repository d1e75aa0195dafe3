// The demo library (samples/demo-site/): a few pages written for this project about the
// sample knowledge base's topics, served on the loopback address while `start` runs, so a
// first run without internet access still crawls, scores, chunks and answers from real pages.
// Only the shipped files are served, only on 127.0.0.1.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_SITE_DIRECTORY = fileURLToPath(new URL('../samples/demo-site', import.meta.url));

export interface DemoSitePage {
  path: string;
  title: string;
  description: string;
}

export interface RunningDemoSite {
  /** e.g. http://127.0.0.1:8737 */
  origin: string;
  pages: DemoSitePage[];
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function metaOf(html: string): { title: string; description: string } {
  const title = /<title>([^<]*)<\/title>/.exec(html)?.[1]?.trim() ?? '';
  const description = /<meta name="description" content="([^"]*)"/.exec(html)?.[1] ?? '';
  return { title, description };
}

/** The articles of the library (every page but the index), with their titles. */
export function demoSitePages(directory = DEMO_SITE_DIRECTORY): DemoSitePage[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.html') && file !== 'index.html')
    .sort()
    .map((file) => ({
      path: `/${file}`,
      ...metaOf(readFileSync(path.join(directory, file), 'utf8')),
    }));
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Serves the library on 127.0.0.1:`port`; when that port is taken, on a free one (the
 * document that links to the library is written with whatever origin it got).
 */
export async function startDemoSite(
  port: number,
  directory = DEMO_SITE_DIRECTORY,
): Promise<RunningDemoSite> {
  // Read once: the set of servable paths is fixed, so no request can name another file.
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const file of readdirSync(directory)) {
    const type = CONTENT_TYPES[path.extname(file)];
    if (type) files.set(`/${file}`, { body: readFileSync(path.join(directory, file)), type });
  }
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files.get(pathname === '/' ? '/index.html' : pathname);
    if (!file || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(file ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(file ? 'Method not allowed\n' : 'Not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  });
  try {
    await listen(server, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    await listen(server, 0);
  }
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pages: demoSitePages(directory),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
