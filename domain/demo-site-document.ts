// The Notion-format page that links the sample knowledge base to the local demo library: a
// reading-list page like the sample's own "Sources" page, whose child_urls the ETL crawls.
// Written at `start` with the origin the library got, so its links always point at it.
import { createHash } from 'node:crypto';

export interface DemoSiteLink {
  path: string;
  title: string;
  description: string;
}

/** Stable across runs, so a second start updates the same document instead of adding one. */
export const DEMO_SITE_DOCUMENT_ID = createHash('sha256')
  .update('second-brain demo library reading list')
  .digest('hex')
  .slice(0, 32);

export function demoSiteDocument(origin: string, pages: readonly DemoSiteLink[]) {
  const urls = pages.map((page) => `${origin}${page.path}`);
  const content = [
    '# Offline reading list',
    '',
    'Notes on the topics of this knowledge base (LLM systems, the feature/training/inference ' +
      'pipelines, retrieval-augmented generation, inference optimization and agents), served ' +
      'by the local demo library so that a first run works without internet access.',
    '',
    ...pages.map((page, index) => `- [${page.title}](${urls[index]}): ${page.description}`),
  ].join('\n');
  return {
    id: DEMO_SITE_DOCUMENT_ID,
    metadata: {
      id: DEMO_SITE_DOCUMENT_ID,
      url: `${origin}/`,
      title: 'Offline reading list',
      properties: { Type: 'Node' },
    },
    parent_metadata: null,
    content,
    content_quality_score: null,
    summary: null,
    child_urls: urls,
  };
}
