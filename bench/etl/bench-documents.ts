// The ETL benchmark's input: Notion-style documents in S3, 20 links each, that together link
// every page once, plus some repeats with tracking parameters (the ETL deduplicates them).
import { randomBytes } from 'node:crypto';
import { documentKey } from '../../domain/storage-layout.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';

const LINKS_PER_DOCUMENT = 20;

/** Writes the documents linking `urls`; returns their ids in order. */
export async function writeBenchDocuments(
  storage: ObjectStorage,
  urls: readonly string[],
): Promise<string[]> {
  const documentCount = Math.ceil(urls.length / LINKS_PER_DOCUMENT);
  const documentIds: string[] = [];
  for (let index = 0; index < documentCount; index++) {
    const id = randomBytes(16).toString('hex');
    documentIds.push(id);
    const first = index * LINKS_PER_DOCUMENT;
    const childUrls = urls.slice(first, first + LINKS_PER_DOCUMENT);
    // Every fifth document also links its neighbour's first page, with tracking parameters.
    const neighbour = urls[first + LINKS_PER_DOCUMENT];
    if (index % 5 === 0 && neighbour) childUrls.push(`${neighbour}?utm_source=notion`);
    await storage.putJson(documentKey(id), {
      id,
      metadata: {
        id,
        url: `https://www.notion.so/Bench-${id}`,
        title: `Bench page ${index}`,
        properties: { Type: 'Leaf' },
      },
      parent_metadata: null,
      content: `# Bench page ${index}\n\nReading list.`,
      content_quality_score: null,
      summary: null,
      child_urls: childUrls,
      source: 'notion',
    });
  }
  return documentIds;
}
