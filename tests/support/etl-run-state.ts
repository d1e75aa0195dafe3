// What an ETL run leaves behind, in a form two runs can be compared by: the `raw` documents (id,
// URL, content hash) and the run's S3 snapshot (document ids and hashes). Fault-injection tests
// run the same input once without faults and once with them, and expect equal states.
import { createHash } from 'node:crypto';
import type { RawDocument } from '../../integrations/mongo/stores/raw-documents.js';
import { documentSchema, type Document } from '../../domain/document.js';
import { COLLECTIONS } from '../../domain/names.js';
import { documentKey, runManifestKey } from '../../domain/storage-layout.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';

export interface EtlState {
  /** `raw` documents as "id contentHash", sorted. */
  raw: string[];
  /** Documents in `raw` sharing a URL with another one. */
  duplicateUrls: number;
  /** The run's S3 snapshot as "id contentHash source", sorted. */
  snapshot: string[];
}

export interface EtlStateComparison {
  lost: string[];
  extra: string[];
  duplicated: number;
}

/** A stable 32-hex id from a label, so every run of a test writes the same source documents. */
export function stableDocumentId(label: string): string {
  return createHash('md5').update(label).digest('hex');
}

/**
 * Writes source documents (Notion pages, as collect stores them) that link to `urls`,
 * `linksPerDocument` each, plus an import manifest listing them; returns the manifest's run id.
 */
export async function writeEtlSource(
  storage: ObjectStorage,
  label: string,
  urls: string[],
  linksPerDocument = 50,
): Promise<{ importRunId: string; documents: Document[] }> {
  const documents: Document[] = [];
  for (let start = 0; start < urls.length; start += linksPerDocument) {
    const id = stableDocumentId(`${label}-${start}`);
    documents.push(
      documentSchema.parse({
        id,
        metadata: {
          id,
          url: `https://www.notion.so/Reading-list-${id}`,
          title: `Reading list ${start / linksPerDocument + 1}`,
          properties: { Type: 'Node' },
        },
        parent_metadata: null,
        content: `# Reading list\n\nLinks ${start + 1} to ${Math.min(urls.length, start + linksPerDocument)}.`,
        child_urls: urls.slice(start, start + linksPerDocument),
        source: 'notion',
      }),
    );
  }
  for (const document of documents) await storage.putJson(documentKey(document.id), document);
  const importRunId = `${label}-source`;
  await storage.putJson(runManifestKey('import', importRunId), {
    documentIds: documents.map((document) => document.id),
  });
  return { importRunId, documents };
}

export async function readEtlState(
  mongo: MongoDatabase,
  storage: ObjectStorage,
  snapshotKey: string,
): Promise<EtlState> {
  const documents = await mongo.db
    .collection<RawDocument>(COLLECTIONS.raw)
    .find({}, { projection: { _id: 1, contentHash: 1, 'metadata.url': 1 } })
    .toArray();
  const urls = new Map<string, number>();
  for (const document of documents)
    urls.set(document.metadata.url, (urls.get(document.metadata.url) ?? 0) + 1);
  const snapshot = (await storage.getJson(snapshotKey)) as {
    documents: Array<{ id: string; contentHash: string; source?: string }>;
  };
  return {
    raw: documents.map((document) => `${document._id} ${document.contentHash}`).sort(),
    duplicateUrls: [...urls.values()].filter((count) => count > 1).reduce((a, b) => a + b, 0),
    snapshot: snapshot.documents
      .map((document) => `${document.id} ${document.contentHash} ${document.source}`)
      .sort(),
  };
}

/** What `actual` lost or added compared with `expected`, in `raw` and the snapshot together. */
export function compareEtlStates(expected: EtlState, actual: EtlState): EtlStateComparison {
  const missing = (from: string[], inside: string[]) => {
    const present = new Set(inside);
    return from.filter((entry) => !present.has(entry));
  };
  const duplicatedEntries = (entries: string[]) => entries.length - new Set(entries).size;
  return {
    lost: [
      ...missing(expected.raw, actual.raw).map((entry) => `raw ${entry}`),
      ...missing(expected.snapshot, actual.snapshot).map((entry) => `snapshot ${entry}`),
    ],
    extra: [
      ...missing(actual.raw, expected.raw).map((entry) => `raw ${entry}`),
      ...missing(actual.snapshot, expected.snapshot).map((entry) => `snapshot ${entry}`),
    ],
    duplicated:
      actual.duplicateUrls + duplicatedEntries(actual.raw) + duplicatedEntries(actual.snapshot),
  };
}

/** A small deterministic pseudo-random generator (mulberry32), for seeded fault points. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
