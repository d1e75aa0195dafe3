// The PostgreSQL manual (Debian's postgresql-doc-15 HTML) served on 127.0.0.1 as a static
// file server serves it, with the two changes the refresh bench makes to the site: one page's
// paragraph rewritten, one page gone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { POSTGRES_DOC_DIRECTORY as HTML_DIRECTORY } from '../retrieval/postgres-corpus.js';

export { HTML_DIRECTORY };

/**
 * The manual as a static file server serves it: ETag from size and mtime, 304 on a match. A
 * page of `edited` is served with that body instead (its ETag from the body's hash, as a
 * changed file gets a new one); a page of `gone` answers 410.
 */
export async function serveManual() {
  const counts = { downloads: 0, notModified: 0, bytes: 0 };
  const edited = new Map<string, Buffer>();
  const gone = new Set<string>();
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = path.join(HTML_DIRECTORY, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
    if (gone.has(pathname)) {
      response.writeHead(410, { 'content-type': 'text/html' }).end('<p>gone</p>');
      return;
    }
    if (!file.startsWith(HTML_DIRECTORY) || !existsSync(file) || pathname.endsWith('/')) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<p>not found</p>');
      return;
    }
    const stat = statSync(file);
    const replacement = edited.get(pathname);
    const etag = replacement
      ? `"${createHash('sha256').update(replacement).digest('hex').slice(0, 16)}"`
      : `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    if (request.headers['if-none-match'] === etag) {
      counts.notModified++;
      response.writeHead(304, { etag }).end();
      return;
    }
    const body = replacement ?? readFileSync(file);
    counts.downloads++;
    counts.bytes += body.length;
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        etag,
        'last-modified': (replacement ? new Date() : stat.mtime).toUTCString(),
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    counts,
    edited,
    gone,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

/**
 * A real edit: the first paragraph of the page with more than 200 characters of text gets
 * new wording (the rest of the page is untouched).
 */
export function rewriteOneParagraph(html: string): string {
  const paragraphs = /<p\b[^>]*>([\s\S]*?)<\/p>/g;
  for (const match of html.matchAll(paragraphs)) {
    if (
      match[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim().length <= 200
    )
      continue;
    const rewritten =
      '<p>Rewritten for the refresh benchmark: this paragraph now says something else. ' +
      'Autovacuum, checkpoints and the write-ahead log decide how quickly a busy server ' +
      'recovers disk space and how much work a crash recovery replays, so tune them together ' +
      'and measure before and after each change.</p>';
    return html.slice(0, match.index) + rewritten + html.slice(match.index + match[0].length);
  }
  throw new Error('no paragraph of more than 200 characters to rewrite');
}
