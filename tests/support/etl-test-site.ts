// A local website for crawler and ETL tests: real HTTP on 127.0.0.1 with the awkward cases a
// crawl meets on the web (404/410, a flaky 500, a hanging page, a redirect loop, binary and PDF
// content, oversized pages, an unknown charset, robots.txt rules, redirects to local addresses),
// plus the bad inputs of the reliability suite (garbage bytes served as HTML, invalid UTF-8, a
// slow-loris body that never ends) and paced pages for long runs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestSite {
  origin: string;
  port: number;
  /** Requests received per path (query included). */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** A minimal valid one-page PDF whose text is "Hello PDF text". */
export function helloPdf(): Buffer {
  const stream = 'BT /F1 18 Tf 20 100 Td (Hello PDF text) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(out.length);
    out += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** The delay of a paced page: 50-200 ms, a pure function of its name. */
export function pacedDelayMs(name: string): number {
  let hash = 0;
  for (const character of name) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  return 50 + (hash % 151);
}

/** Bytes that are no document at all: a fixed pseudo-random sequence. */
export function garbageBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

export function articleHtml(title: string, paragraphs: number, links: string[] = []): string {
  const body = Array.from(
    { length: paragraphs },
    (_, index) =>
      `<p>Paragraph ${index + 1} of ${title}: durable workflows retry failed activities, keep their history small and resume after a crash without losing work.</p>`,
  ).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<meta name="description" content="About ${title}"><meta property="og:title" content="${title}"></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>${title}</h1>${body}
<table><tr><th>Stage</th><th>Result</th></tr><tr><td>crawl</td><td>ok</td></tr></table>
<ul>${links.map((link) => `<li><a href="${link}">${link}</a></li>`).join('')}</ul></article>
<footer>Copyright footer text</footer><script>window.tracking = true;</script></body></html>`;
}

export async function startTestSite(): Promise<TestSite> {
  const hits = new Map<string, number>();
  let origin = '';
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const key = `${url.pathname}${url.search}`;
    const count = (hits.get(key) ?? 0) + 1;
    hits.set(key, count);
    const html = (status: number, text: string, type = 'text/html; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type });
      response.end(text);
    };
    const path = url.pathname;
    if (path === '/robots.txt')
      return html(200, 'User-agent: *\nDisallow: /private\n', 'text/plain');
    if (path.startsWith('/article/')) {
      const name = decodeURIComponent(path.slice('/article/'.length));
      return html(
        200,
        articleHtml(`Article ${name}`, 8, [`${origin}/article/linked-from-${name}`]),
      );
    }
    if (path.startsWith('/paced/')) {
      // A page per number, answered after a small delay derived from it (50-200 ms), so a run
      // over hundreds of them lasts long enough to be interrupted, the same way every time.
      const name = decodeURIComponent(path.slice('/paced/'.length));
      setTimeout(
        () => html(200, articleHtml(`Paced ${name}`, 3 + (pacedDelayMs(name) % 4))),
        pacedDelayMs(name),
      );
      return;
    }
    if (path === '/garbage') {
      // Deterministic noise (control characters, stray bytes, half tags) labelled as HTML.
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end(garbageBytes(4096));
    }
    if (path === '/invalid-utf8') {
      // Declares UTF-8 and breaks it: lone continuation bytes, an overlong encoding, a
      // truncated sequence. The readable text around them must survive.
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return response.end(
        Buffer.concat([
          Buffer.from(
            '<html><head><title>Broken encoding</title></head><body><article><h1>Broken encoding</h1><p>',
          ),
          Buffer.from([0x80, 0xbf, 0xc0, 0xaf, 0xe2, 0x82]),
          Buffer.from(
            ` Readable text survives invalid bytes. ${'Durable workflows keep going. '.repeat(8)}</p></article></body></html>`,
          ),
        ]),
      );
    }
    if (path === '/slow-loris') {
      // Headers at once, then one byte a second forever: only a whole-request time limit ends it.
      response.writeHead(200, { 'content-type': 'text/html' });
      response.write('<html><body><p>');
      const timer = setInterval(() => response.write('.'), 1_000);
      response.once('close', () => clearInterval(timer));
      return;
    }
    if (path.startsWith('/slowish/')) {
      // Answers after 300 ms, so a crawl lasts long enough to be interrupted.
      setTimeout(() => html(200, articleHtml(`Slowish ${path.slice(9)}`, 5)), 300);
      return;
    }
    if (path === '/links-only')
      return html(
        200,
        `<html><head><title>Links</title></head><body>${Array.from({ length: 30 }, (_, index) => `<a href="https://example.com/some/very/long/path/number/${index}">https://example.com/some/very/long/path/number/${index}</a><br>`).join('')}</body></html>`,
      );
    if (path === '/empty')
      return html(200, '<html><head><title>Empty</title></head><body></body></html>');
    if (path === '/missing') return html(404, 'not here');
    if (path === '/gone') return html(410, 'gone');
    if (path === '/flaky') {
      if (count === 1) return html(500, 'try again');
      return html(200, articleHtml('Flaky but fine', 6));
    }
    if (path === '/always-500') return html(503, 'down');
    if (path === '/slow') return; // never answers: the crawler's timeout must fire
    if (path === '/loop-a') {
      response.writeHead(302, { location: '/loop-b' });
      return response.end();
    }
    if (path === '/loop-b') {
      response.writeHead(302, { location: '/loop-a' });
      return response.end();
    }
    if (path === '/moved') {
      response.writeHead(301, { location: '/article/moved-target' });
      return response.end();
    }
    if (path === '/redirect-to-localhost') {
      response.writeHead(302, {
        location: `http://localhost:${url.searchParams.get('port') ?? '80'}/article/secret`,
      });
      return response.end();
    }
    if (path === '/redirect-to-metadata') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return response.end();
    }
    if (path === '/binary') {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      return response.end(Buffer.alloc(2048, 7));
    }
    if (path === '/image.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      return response.end(Buffer.alloc(512, 1));
    }
    if (path === '/paper.pdf') {
      response.writeHead(200, { 'content-type': 'application/pdf' });
      return response.end(helloPdf());
    }
    if (path === '/huge')
      return html(200, `<html><body>${'<p>big</p>'.repeat(300_000)}</body></html>`);
    if (path === '/huge-chunked') {
      // No content-length: the cap must apply while streaming.
      response.writeHead(200, { 'content-type': 'text/html' });
      for (let index = 0; index < 300; index++) response.write(`<p>${'x'.repeat(10_000)}</p>`);
      return response.end();
    }
    if (path === '/bad-charset') {
      response.writeHead(200, { 'content-type': 'text/html; charset=x-no-such-charset' });
      return response.end(
        Buffer.from(
          `<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body><article><h1>Caf\xe9 cr\xe8me</h1><p>${'Un caf\xe9 cr\xe8me, s\x27il vous pla\xeet, avec du texte en fran\xe7ais. '.repeat(12)}</p></article></body></html>`,
          'latin1',
        ),
      );
    }
    if (path === '/private/page') return html(200, articleHtml('Private', 4));
    return html(404, 'no route');
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
