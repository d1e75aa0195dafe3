// Links found in a document's content become its child_urls: the pages the crawler visits next.
// Normalizing them here means the same article linked twice (once with a newsletter's tracking
// parameters, once with a #section) is crawled once.

/** Query parameters that only track where a click came from; they never change the page. */
const TRACKING_PARAMETERS = new Set([
  '_hsenc',
  '_hsmi',
  'fbclid',
  'gclid',
  'dclid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'igshid',
  'yclid',
  'ref_src',
]);

function isTrackingParameter(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMETERS.has(lower);
}

/**
 * Canonical form of an http(s) URL: lowercase scheme and host, default port dropped, no
 * fragment, no tracking parameters. Returns undefined for anything that is not http(s).
 */
export function normalizeUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // URL already lowercases the scheme and host and drops default ports.
  url.hash = '';
  // Touch the query only when it tracks: re-serializing it would change encodings as written.
  const names = [...url.searchParams.keys()];
  if (names.some(isTrackingParameter)) {
    for (const name of names) if (isTrackingParameter(name)) url.searchParams.delete(name);
  }
  return url.toString().replace(/\?$/, '');
}

// A URL runs until whitespace, a quote, an angle bracket or a closing Markdown delimiter.
const URL_PATTERN = /https?:\/\/[^\s<>"'`)\]]+/gi;

/** http(s) links in Markdown or plain text, normalized and deduplicated in order of appearance. */
export function extractChildUrls(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(URL_PATTERN)) {
    // Sentence punctuation right after a bare link belongs to the sentence.
    const candidate = match[0].replace(/[.,;:!?]+$/, '');
    const normalized = normalizeUrl(candidate);
    if (normalized !== undefined) seen.add(normalized);
  }
  return [...seen];
}

/** Deduplicates already-extracted URLs after normalizing them; non-http(s) ones are dropped. */
export function normalizeUrls(urls: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const url of urls) {
    const normalized = normalizeUrl(url);
    if (normalized !== undefined) seen.add(normalized);
  }
  return [...seen];
}
