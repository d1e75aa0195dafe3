// Main-content extraction: HTML → (title, meta tags, links, Markdown). linkedom gives a fast DOM,
// Readability strips navigation, footers, scripts and banners, and turndown (with GFM tables)
// writes Markdown. Pure apart from CPU: no network, no storage.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import TurndownService from 'turndown';
import { gfm } from 'turndown-plugin-gfm';
import iconv from 'iconv-lite';

export interface ExtractedPage {
  title: string;
  /** description, keywords, author, og:*, twitter:* ... as the original project stored them. */
  metaTags: Record<string, string | null>;
  /** Absolute http(s) links of the whole page (before main-content extraction). */
  links: string[];
  markdown: string;
}

const META_TAGS_ALWAYS_PRESENT = ['description', 'keywords', 'author'] as const;

function createTurndown(): TurndownService {
  const service = new TurndownService({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    bulletListMarker: '-',
    emDelimiter: '_',
  });
  service.use(gfm);
  service.remove(['script', 'style', 'noscript', 'iframe', 'form', 'button', 'nav', 'footer']);
  return service;
}

const turndown = createTurndown();

function absoluteHttpUrl(href: string, base: string): string | undefined {
  try {
    const url = new URL(href, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Share of a body's characters that may be control characters or undecodable bytes. */
const MAX_NON_TEXT_SHARE = 0.1;

/**
 * Refuses a body that is not text at all (binary or random bytes served as text/html): it would
 * otherwise become an empty or noise-filled document. A few invalid bytes in a real page pass.
 */
export function assertLooksLikeText(text: string): void {
  const sample = text.slice(0, 65_536);
  if (sample.length === 0) return;
  // C0 controls but tab, newline, form feed and carriage return; C1 controls; U+FFFD.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const nonText = sample.match(/[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\ufffd]/g);
  const share = (nonText?.length ?? 0) / sample.length;
  if (share > MAX_NON_TEXT_SHARE)
    throw new Error(
      `the body is not text: ${Math.round(share * 100)}% of its characters are control characters or invalid bytes`,
    );
}

export function extractPage(html: string, pageUrl: string): ExtractedPage {
  assertLooksLikeText(html);
  const { document } = parseHTML(html);
  const metaTags: Record<string, string | null> = {};
  for (const name of META_TAGS_ALWAYS_PRESENT) metaTags[name] = null;
  for (const meta of document.querySelectorAll('meta')) {
    const name = meta.getAttribute('name') ?? meta.getAttribute('property');
    const content = meta.getAttribute('content');
    if (
      name &&
      content !== null &&
      /^(description|keywords|author|og:|twitter:|article:)/i.test(name)
    )
      metaTags[name.toLowerCase()] = content;
  }
  const links: string[] = [];
  const seen = new Set<string>();
  for (const anchor of document.querySelectorAll('a[href]')) {
    const url = absoluteHttpUrl(anchor.getAttribute('href') ?? '', pageUrl);
    if (url && !seen.has(url)) {
      seen.add(url);
      links.push(url);
    }
  }
  const documentTitle = (document.querySelector('title')?.textContent ?? '').trim();
  // Readability mutates the DOM, so it runs after links and meta tags are read.
  let article: { title?: string | null; content?: string | null } | null = null;
  try {
    article = new Readability(document, {
      keepClasses: false,
    }).parse();
  } catch {
    article = null;
  }
  const mainHtml =
    article?.content && article.content.trim() !== ''
      ? article.content
      : (document.querySelector('body')?.innerHTML ?? html);
  const markdown = turndown
    .turndown(mainHtml)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return {
    title: documentTitle || (article?.title ?? '').trim(),
    metaTags,
    links,
    markdown,
  };
}

/** Declared or sniffed charset of an HTML body, when iconv can decode it. */
function sniffMetaCharset(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 2048).toString('latin1');
  const match =
    /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head) ??
    /<meta[^>]+content\s*=\s*["'][^"']*charset=([\w.:-]+)/i.exec(head);
  return match?.[1];
}

/**
 * Decodes an HTML body: the header's charset when valid, else the page's <meta charset>,
 * else UTF-8 (invalid bytes become U+FFFD). An unknown charset never fails the page.
 */
export function decodeHtml(bytes: Buffer, declaredCharset: string | undefined): string {
  for (const candidate of [declaredCharset, sniffMetaCharset(bytes)]) {
    if (candidate && iconv.encodingExists(candidate)) return iconv.decode(bytes, candidate);
  }
  return bytes.toString('utf8');
}
