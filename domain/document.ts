// The document: one Notion page, imported page or crawled web page. The core fields are the
// original Python project's published format (see ../shared/datasets/decodingml-sample), so its
// exports import as they are; the camelCase fields are this platform's additions.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const DOCUMENT_ID_PATTERN = /^[0-9a-f]{32}$/;

export const documentMetadataSchema = z.object({
  id: z.string(),
  url: z.string(),
  title: z.string(),
  /** Notion database properties (e.g. Type: "Leaf" or ["Node"]) or a crawled page's meta tags. */
  properties: z.record(z.string(), z.unknown()).default({}),
});

export const documentCommentSchema = z.object({
  id: z.string(),
  author: z.string().optional(),
  createdTime: z.string().optional(),
  text: z.string(),
});

export const DOCUMENT_SOURCES = ['notion', 'import', 'crawl'] as const;

export const documentSchema = z.object({
  id: z.string().regex(DOCUMENT_ID_PATTERN, 'must be 32 lowercase hex characters'),
  metadata: documentMetadataSchema,
  /** Crawled page: the Notion page that linked to it. Notion page: its database or parent. */
  parent_metadata: documentMetadataSchema.nullable().default(null),
  content: z.string(),
  /** 0.0-1.0, or null when not scored. null is never the same as 0. */
  content_quality_score: z.number().min(0).max(1).nullable().default(null),
  summary: z.string().nullable().default(null),
  child_urls: z.array(z.string()).default([]),

  source: z.enum(DOCUMENT_SOURCES).optional(),
  /** sha256 of `content`, hex: the idempotency key for everything derived from the content. */
  contentHash: z.string().optional(),
  lastEditedTime: z.string().optional(),
  collectedAt: z.string().optional(),
  comments: z.array(documentCommentSchema).optional(),
  /** Set when the Notion page was archived or deleted: kept and marked, never silently dropped. */
  archived: z.boolean().optional(),
  /** Imported documents: true for a crawled web page, false for a Notion page. */
  crawled: z.boolean().optional(),
});

export type Document = z.infer<typeof documentSchema>;
export type DocumentMetadata = z.infer<typeof documentMetadataSchema>;

export function contentHash(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** Notion ids come with or without dashes; documents use the 32-hex form. */
export function normalizeNotionId(id: string): string {
  return id.replaceAll('-', '').toLowerCase();
}

/** A stable 32-hex id for a crawled page, derived from its canonical URL. */
export function documentIdForUrl(canonicalUrl: string): string {
  return createHash('md5').update(canonicalUrl, 'utf8').digest('hex');
}
