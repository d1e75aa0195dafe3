// URL canonicalization and cross-document link deduplication for the ETL. Pure: no I/O.
// Two links that a reader would call "the same page" must map to one canonical string, so the
// page is crawled once and gets one stable document id (documentIdForUrl of the canonical URL).
import { MAX_URL_CHARS } from './bounded-text.js';

/** Query parameters that only track the visitor; they never change the page served. */
const TRACKING_PARAMETER_PATTERNS: RegExp[] = [
  /^utm_/i,
  /^(fbclid|gclid|gclsrc|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id|wickedid|ref_src|ref_url|spm)$/i,
];

export function isTrackingParameter(name: string): boolean {
  return TRACKING_PARAMETER_PATTERNS.some((pattern) => pattern.test(name));
}

/**
 * The canonical form of a link, or undefined when it is not a crawlable http(s) URL.
 * Lower-cases scheme and host (URL does), drops default ports, fragments, credentials and
 * tracking parameters, sorts the remaining parameters, and removes a trailing slash from
 * non-root paths (the original project appended "/" to every child URL).
 */
export function canonicalizeUrl(raw: string, base?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.hostname === '') return undefined;
  // Longer links are refused rather than cut: heartbeats and failure reports carry URLs.
  if (url.toString().length > MAX_URL_CHARS) return undefined;
  url.hash = '';
  url.username = '';
  url.password = '';
  // The host's trailing dot ("example.com.") names the same host.
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  const kept = [...url.searchParams.entries()].filter(([name]) => !isTrackingParameter(name));
  kept.sort(([left, leftValue], [right, rightValue]) =>
    left === right ? compare(leftValue, rightValue) : compare(left, right),
  );
  url.search = new URLSearchParams(kept).toString();
  if (url.pathname.length > 1 && url.pathname.endsWith('/')) {
    url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  }
  return url.toString();
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

export interface LinkingDocument {
  id: string;
  child_urls: readonly string[];
}

export interface UniqueLink {
  canonicalUrl: string;
  /** Ids of every document that links to this URL, in first-seen order. */
  parentIds: string[];
}

export interface LinkDeduplication {
  /** Every child URL of every document, before canonicalization. */
  linksFound: number;
  /** Links that are not http(s) URLs (mailto:, javascript:, relative garbage). */
  invalidLinks: number;
  links: UniqueLink[];
}

/**
 * Canonicalizes and deduplicates the child URLs of many documents: each URL appears once, with
 * every document that links to it. Links pointing back at one of the documents themselves
 * (e.g. a Notion page linking to another Notion page) are kept out via `excludeUrls`.
 */
export function deduplicateLinks(
  documents: readonly LinkingDocument[],
  options: { excludeUrls?: Iterable<string> } = {},
): LinkDeduplication {
  const excluded = new Set<string>();
  for (const url of options.excludeUrls ?? []) {
    const canonical = canonicalizeUrl(url);
    if (canonical) excluded.add(canonical);
  }
  const byUrl = new Map<string, UniqueLink>();
  let linksFound = 0;
  let invalidLinks = 0;
  for (const document of documents) {
    for (const raw of document.child_urls) {
      linksFound++;
      const canonicalUrl = canonicalizeUrl(raw);
      if (!canonicalUrl) {
        invalidLinks++;
        continue;
      }
      if (excluded.has(canonicalUrl)) continue;
      const existing = byUrl.get(canonicalUrl);
      if (!existing) byUrl.set(canonicalUrl, { canonicalUrl, parentIds: [document.id] });
      else if (!existing.parentIds.includes(document.id)) existing.parentIds.push(document.id);
    }
  }
  // Sorted, so the plan (and therefore batch boundaries) is the same on every attempt.
  const links = [...byUrl.values()].sort((left, right) =>
    compare(left.canonicalUrl, right.canonicalUrl),
  );
  return { linksFound, invalidLinks, links };
}
