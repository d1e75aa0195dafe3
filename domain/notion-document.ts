// A collected Notion page as a document in the original published format, plus this
// platform's fields. Pure: the activity fetches, this builds.
import { contentHash, normalizeNotionId, type Document } from './document.js';
import { extractChildUrls, normalizeUrls } from './links.js';
import {
  blocksToMarkdown,
  notionPageUrl,
  pageTitle,
  richTextToPlain,
  simplifyProperties,
  type MarkdownOptions,
  type NotionBlock,
  type NotionRichText,
} from './notion-markdown.js';

export interface NotionPageInput {
  id: string;
  url?: string;
  last_edited_time: string;
  properties: Record<string, unknown>;
}

export interface NotionCommentInput {
  id: string;
  created_time?: string;
  created_by?: { id: string; name?: string };
  rich_text: NotionRichText[] | { plain_text: string }[];
}

export function buildNotionDocument(input: {
  page: NotionPageInput;
  databaseId: string;
  blocks: readonly NotionBlock[];
  comments: readonly NotionCommentInput[] | undefined;
  options: MarkdownOptions;
  collectedAt: string;
}): { document: Document; warnings: string[] } {
  const { page, blocks, options } = input;
  const id = normalizeNotionId(page.id);
  const { markdown, warnings } = blocksToMarkdown(blocks, options);
  const comments = input.comments?.map((comment) => ({
    id: normalizeNotionId(comment.id),
    author: comment.created_by?.name ?? comment.created_by?.id,
    createdTime: comment.created_time,
    text: richTextToPlain(comment.rich_text as NotionRichText[]),
  }));
  const childUrls = normalizeUrls([
    ...extractChildUrls(markdown),
    ...(comments ?? []).flatMap((comment) => extractChildUrls(comment.text)),
  ]);
  const databaseId = normalizeNotionId(input.databaseId);
  const document: Document = {
    id,
    metadata: {
      id,
      url: page.url ?? notionPageUrl(id),
      title: pageTitle(page.properties),
      properties: simplifyProperties(page.properties),
    },
    parent_metadata: { id: databaseId, url: '', title: '', properties: {} },
    content: markdown,
    content_quality_score: null,
    summary: null,
    child_urls: childUrls,
    source: 'notion',
    contentHash: contentHash(markdown),
    lastEditedTime: page.last_edited_time,
    collectedAt: input.collectedAt,
    ...(comments === undefined ? {} : { comments }),
  };
  return { document, warnings };
}

/** Two versions of a document are the same when everything but the collection time matches. */
export function sameDocument(left: Document, right: Document): boolean {
  const strip = ({ collectedAt: _ignored, ...rest }: Document) => canonicalJson(rest);
  return strip(left) === strip(right);
}

/** JSON with object keys sorted, so key order never makes equal values differ. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : inner,
  );
}
