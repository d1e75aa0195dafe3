// The ETL's pure steps: what a source document or a crawled page becomes in `raw`, when a
// stored document must be rewritten, and the crawl plan. No I/O here: the activities read and
// write, these decide.
import { z } from 'zod';
import {
  contentHash,
  documentIdForUrl,
  documentSchema,
  DOCUMENT_ID_PATTERN,
  type Document,
} from './document.js';
import type {
  CompactOutcome,
  EtlFailureEntry,
  EtlFailureReason,
  EtlPlan,
  EtlScoreSource,
  StoredEntry,
} from './etl.js';
import type { PageValidators } from './page-validators.js';
import { heuristicQualityScore } from './quality-scoring.js';
import { canonicalizeUrl, deduplicateLinks } from './url-canonicalization.js';

/** A document as the ETL derives it: the document schema plus the ETL's own fields. */
export const etlDocumentSchema = documentSchema.extend({
  /** Every document linking to this page (parent_metadata holds the first). */
  parentIds: z.array(z.string()).optional(),
  /** The URL after redirects, for crawled pages. */
  finalUrl: z.string().optional(),
  qualityScoreSource: z.enum(['heuristic', 'llm', 'source']).nullable(),
  qualityReason: z.string().nullable().optional(),
  /** Crawled pages: what the next crawl sends as a conditional request (or compares). */
  validators: z
    .object({
      etag: z.string().optional(),
      lastModified: z.string().optional(),
      bodyHash: z.string().optional(),
    })
    .optional(),
});

export type EtlDocument = z.infer<typeof etlDocumentSchema>;

/** What the ETL needs of a stored document to decide whether to rewrite it. */
export interface StoredDocumentState {
  fingerprint?: string;
  contentHash?: string;
  content_quality_score: number | null;
  qualityScoreSource: EtlScoreSource;
  qualityReason?: string | null;
  url?: string;
  source?: string;
  parentIds?: string[];
  archived?: boolean;
  validators?: PageValidators;
}

/** What the ETL keeps of a crawled page (the crawler's result, structurally). */
export interface CrawledPageFacts {
  key: string;
  url: string;
  finalUrl: string;
  title: string;
  metaTags: Record<string, string | null>;
  links: string[];
  markdown: string;
  validators: PageValidators;
}

/** Fields of a manifest that list the documents a collect/import run wrote. */
const MANIFEST_DOCUMENT_FIELDS = ['documentIds', 'documents', 'written', 'stored', 'documentKeys'];

/** Document ids listed by a collect/import manifest (ids, document keys, or {id} objects). */
export function documentIdsFromManifest(manifest: unknown): string[] {
  const ids = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string') {
      const id = DOCUMENT_ID_PATTERN.test(value)
        ? value
        : /^documents\/([0-9a-f]{32})\.json$/.exec(value)?.[1];
      if (id) ids.add(id);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.id === 'string') visit(record.id);
      else if (typeof record.key === 'string') visit(record.key);
    }
  };
  if (manifest && typeof manifest === 'object')
    for (const field of MANIFEST_DOCUMENT_FIELDS)
      visit((manifest as Record<string, unknown>)[field]);
  return [...ids];
}

export function countReasons(failures: readonly EtlFailureEntry[]) {
  const counts: Partial<Record<EtlFailureReason, number>> = {};
  for (const failure of failures) counts[failure.reason] = (counts[failure.reason] ?? 0) + 1;
  return counts;
}

/** A source's own score wins; otherwise the heuristic decides or leaves null. */
export function initialScore(content: string, current: number | null) {
  if (current !== null)
    return { content_quality_score: current, qualityScoreSource: 'source' as const };
  const score = heuristicQualityScore(content);
  return {
    content_quality_score: score,
    qualityScoreSource: score === null ? null : ('heuristic' as const),
  };
}

/** A Notion or imported document as it goes into `raw`. */
export function sourceEtlDocument(document: Document): EtlDocument {
  return {
    ...document,
    source: document.source ?? 'import',
    contentHash: contentHash(document.content),
    qualityReason: null,
    ...initialScore(document.content, document.content_quality_score),
  };
}

/** A crawled page as it goes into `raw`, attached to the documents that link to it. */
export function crawledEtlDocument(
  page: CrawledPageFacts,
  plan: Pick<EtlPlan, 'parents'>,
  parentIds: string[],
  collectedAt: string,
): EtlDocument {
  const parent = plan.parents[parentIds[0] ?? ''] ?? null;
  const content = page.markdown;
  const childUrls = [
    ...new Set(page.links.map((link) => canonicalizeUrl(link)).filter(Boolean)),
  ] as string[];
  return {
    id: page.key,
    metadata: { id: page.key, url: page.url, title: page.title, properties: page.metaTags },
    parent_metadata: parent,
    content,
    summary: null,
    child_urls: childUrls,
    source: 'crawl',
    contentHash: contentHash(content),
    collectedAt,
    parentIds,
    finalUrl: page.finalUrl,
    qualityReason: null,
    validators: page.validators,
    ...initialScore(content, null),
  };
}

/**
 * The validators to recrawl a stored page with: only for a live stored version linked from
 * the same documents, since a 304 keeps the stored document (its parents included) as it is.
 */
export function validatorsForRecrawl(
  state: StoredDocumentState | undefined,
  parentIds: readonly string[],
): PageValidators | undefined {
  if (!state?.validators || !state.fingerprint || state.archived) return undefined;
  const same =
    state.parentIds?.length === parentIds.length &&
    state.parentIds.every((id, index) => id === parentIds[index]);
  return same ? state.validators : undefined;
}

/** The stored entry of a page the crawl found unchanged: the stored version, as it is. */
export function unchangedEntry(
  state: StoredDocumentState,
  link: { id: string; url: string },
): StoredEntry {
  return {
    id: link.id,
    url: state.url ?? link.url,
    source: state.source,
    contentHash: state.contentHash ?? '',
    content_quality_score: state.content_quality_score,
    qualityScoreSource: state.qualityScoreSource,
  };
}

/** A crawl target that failed, as the batch's heartbeat and failure report record it. */
export function failedOutcome(failure: {
  key: string;
  url: string;
  reason: EtlFailureEntry['reason'];
  message: string;
  attempts: number;
}): CompactOutcome {
  const { key, url, reason, message, attempts } = failure;
  return { id: key, ok: false, failure: { url, id: key, reason, message, attempts } };
}

/** sha256 of everything the ETL derives from the source (not the score): unchanged = skip. */
export function fingerprintOf(document: EtlDocument): string {
  const {
    content_quality_score: _score,
    qualityScoreSource: _source,
    qualityReason: _reason,
    collectedAt: _collectedAt,
    ...derived
  } = document;
  return contentHash(JSON.stringify(derived));
}

export function storedEntryOf(document: EtlDocument): StoredEntry {
  return {
    id: document.id,
    url: document.metadata.url,
    source: document.source,
    contentHash: document.contentHash ?? contentHash(document.content),
    content_quality_score: document.content_quality_score,
    qualityScoreSource: document.qualityScoreSource,
  };
}

export function scoreOf(document: StoredDocumentState) {
  return {
    content_quality_score: document.content_quality_score,
    qualityScoreSource: document.qualityScoreSource,
    qualityReason: document.qualityReason ?? null,
  };
}

export interface DocumentWrite {
  document: EtlDocument;
  fingerprint: string;
}

/**
 * Decides what to write: unchanged documents (same fingerprint) are left alone, keeping any
 * LLM score; new ones are inserted; changed ones are updated, keeping an LLM score when the
 * content itself did not change. `entries` is what is stored afterwards, in input order.
 */
export function planDocumentWrites(
  documents: readonly EtlDocument[],
  existing: ReadonlyMap<string, StoredDocumentState>,
): { inserts: DocumentWrite[]; updates: DocumentWrite[]; entries: StoredEntry[] } {
  const inserts: DocumentWrite[] = [];
  const updates: DocumentWrite[] = [];
  const entries: StoredEntry[] = [];
  for (const document of documents) {
    const before = existing.get(document.id);
    const fingerprint = fingerprintOf(document);
    if (before && before.fingerprint === fingerprint) {
      entries.push(storedEntryOf({ ...document, ...scoreOf(before) }));
      continue;
    }
    const keepLlmScore =
      before?.qualityScoreSource === 'llm' && before.contentHash === document.contentHash;
    const full = keepLlmScore ? { ...document, ...scoreOf(before) } : document;
    (before ? updates : inserts).push({ document: full, fingerprint });
    entries.push(storedEntryOf(full));
  }
  return { inserts, updates, entries };
}

/**
 * The crawl plan: every unique canonical link of the source documents (not the documents
 * themselves) with all its parents, sorted, so a retry writes the same plan.
 */
export function buildEtlPlan(runId: string, allDocuments: readonly Document[]) {
  // An archived Notion page's links are no longer part of the knowledge base.
  const documents = allDocuments.filter((document) => document.archived !== true);
  const deduplicated = deduplicateLinks(documents, {
    excludeUrls: documents.map((document) => document.metadata.url).filter(Boolean),
  });
  const sourceIds = new Set(documents.map((document) => document.id));
  const plan: EtlPlan = {
    runId,
    parents: {},
    links: deduplicated.links
      .map((link) => ({
        id: documentIdForUrl(link.canonicalUrl),
        url: link.canonicalUrl,
        parentIds: link.parentIds,
      }))
      .filter((link) => !sourceIds.has(link.id)),
  };
  for (const document of documents)
    if (document.child_urls.length > 0)
      plan.parents[document.id] = {
        id: document.id,
        url: document.metadata.url,
        title: document.metadata.title,
        properties: document.metadata.properties,
      };
  return { plan, linksFound: deduplicated.linksFound, invalidLinks: deduplicated.invalidLinks };
}
