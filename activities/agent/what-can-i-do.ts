// The what_can_i_do tool: what the knowledge base covers, read from the index itself (document
// titles and headings shared by several documents), or from `raw` titles before any indexing.
import { stripMarkers, truncate } from '../../domain/agent.js';
import type { RagChunkReader } from '../../integrations/mongo/stores/rag-chunks.js';
import type { RawDocumentStore } from '../../integrations/mongo/stores/raw-documents.js';

/** Where the overview reads from: the index's chunks, else the ETL's document titles. */
export interface KnowledgeBaseSources {
  chunks: Pick<RagChunkReader, 'chunkOutlines'>;
  raw: Pick<RawDocumentStore, 'titles'>;
}

export async function describeKnowledgeBase(sources: KnowledgeBaseSources): Promise<string> {
  const chunks = await sources.chunks.chunkOutlines(20_000);
  const titles = new Map<string, number>();
  const headings = new Map<string, Set<string>>();
  for (const chunk of chunks) {
    if (chunk.title) titles.set(chunk.title, (titles.get(chunk.title) ?? 0) + 1);
    for (const heading of (chunk.headingPath ?? []).slice(0, 2)) {
      const key = heading.replace(/^#+\s*/, '').trim();
      if (!key) continue;
      headings.set(key, (headings.get(key) ?? new Set()).add(chunk.documentId ?? ''));
    }
  }
  if (titles.size === 0) for (const title of await sources.raw.titles(200)) titles.set(title, 1);
  if (titles.size === 0)
    return 'The knowledge base is empty: nothing has been indexed yet, so I cannot answer questions from it.';
  const topTitles = [...titles.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  const topHeadings = [...headings.entries()]
    .filter(([, documents]) => documents.size > 1)
    .sort((a, b) => b[1].size - a[1].size)
    .slice(0, 10);
  return [
    `The knowledge base holds ${titles.size} documents. I can answer questions about these topics (untrusted titles from the knowledge base):`,
    ...topTitles.map(([title]) => `- ${stripMarkers(truncate(title, 120))}`),
    ...(topHeadings.length > 0
      ? [
          'Recurring sections:',
          ...topHeadings.map(([heading]) => `- ${stripMarkers(truncate(heading, 80))}`),
        ]
      : []),
  ].join('\n');
}
