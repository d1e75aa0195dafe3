// Loads existing exports (the original project's notion.zip / crawled.zip, or a folder of its
// JSON documents) into the same S3 area the collector writes, so people without Notion access
// start from the published dataset. Each file is validated on its own: a bad one is reported
// with its name and the offending field, and the rest are imported.
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { contentHash, documentSchema, type Document } from '../../domain/document.js';
import { SecondBrainError } from '../../domain/errors.js';
import { sameDocument } from '../../domain/notion-document.js';
import { documentKey, runManifestKey } from '../../domain/storage-layout.js';
import { describeIssues } from '../../domain/workflow-inputs.js';
import type { ObjectStorage } from '../s3/object-storage.js';

/** Unknown extra fields of an export are kept as they are, not silently dropped. */
const importedDocumentSchema = documentSchema.loose();

export interface ImportFailure {
  file: string;
  error: string;
}

export interface ImportResult {
  imported: number;
  skipped: number;
  failed: ImportFailure[];
  manifestKey: string;
}

interface SourceFile {
  /** Shown in reports: the path inside the folder, or `archive.zip:path/inside.json`. */
  name: string;
  read(): Promise<Buffer>;
}

async function* folderFiles(root: string, folder: string = root): AsyncGenerator<SourceFile> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((left, right) => (left.name < right.name ? -1 : 1));
  for (const entry of entries) {
    const absolute = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* folderFiles(root, absolute);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json'))
      yield { name: path.relative(root, absolute), read: () => readFile(absolute) };
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.zip'))
      yield* zipFiles(absolute, path.relative(root, absolute), { insideFolder: true });
  }
}

function* zipFiles(
  archive: string,
  label: string,
  options: { insideFolder?: boolean } = {},
): Generator<SourceFile> {
  let zip: AdmZip;
  try {
    zip = new AdmZip(archive);
  } catch (error) {
    // One corrupt archive among a folder's files is reported like a bad file; the rest go on.
    if (options.insideFolder) {
      const reason = `not a readable zip archive: ${(error as Error).message}`;
      yield { name: label, read: () => Promise.reject(new Error(reason)) };
      return;
    }
    throw new SecondBrainError('validation', `${label} is not a readable zip archive`, {
      cause: error,
    });
  }
  const entries = zip
    .getEntries()
    .filter(
      (entry) =>
        !entry.isDirectory &&
        entry.entryName.toLowerCase().endsWith('.json') &&
        // macOS archivers add resource forks that look like JSON files but are not.
        !entry.entryName.startsWith('__MACOSX/') &&
        !path.posix.basename(entry.entryName).startsWith('._'),
    )
    .sort((left, right) => (left.entryName < right.entryName ? -1 : 1));
  for (const entry of entries)
    yield { name: `${label}:${entry.entryName}`, read: () => Promise.resolve(entry.getData()) };
}

/** A crawled page links out of Notion; a Notion page lives on notion.so. */
export function isCrawledPage(document: Pick<Document, 'metadata'>): boolean {
  try {
    const host = new URL(document.metadata.url).hostname;
    return !/(^|\.)notion\.(so|site)$/.test(host);
  } catch {
    return false;
  }
}

/** Parses and validates one file; throws an Error whose message names the offending field. */
export function parseImportedDocument(bytes: Buffer): Document {
  let text: string;
  try {
    // Fatal decoding: invalid bytes would otherwise become U+FFFD inside the imported content.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('not valid UTF-8 text');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
  const parsed = importedDocumentSchema.safeParse(raw);
  if (!parsed.success) throw new Error(describeIssues(parsed.error));
  const document = parsed.data;
  // Scores, summaries and crawled pages stay exactly as exported; only provenance is added.
  return {
    ...document,
    source: 'import',
    crawled: isCrawledPage(document),
    contentHash: contentHash(document.content),
  };
}

async function* sourceFiles(source: string): AsyncGenerator<SourceFile> {
  let info;
  try {
    info = await stat(source);
  } catch (error) {
    throw new SecondBrainError('validation', `Cannot import ${source}: no such file or folder`, {
      cause: error,
    });
  }
  if (info.isDirectory()) yield* folderFiles(source);
  else if (source.toLowerCase().endsWith('.zip')) yield* zipFiles(source, path.basename(source));
  else if (source.toLowerCase().endsWith('.json'))
    yield { name: path.basename(source), read: () => readFile(source) };
  else
    throw new SecondBrainError(
      'validation',
      `Cannot import ${source}: expected a folder, a .zip archive or a .json file`,
    );
}

/**
 * Imports every JSON document under `source` into `documents/<id>.json`. Idempotent: a
 * document whose stored object already holds the same fields counts as skipped, not rewritten.
 */
export async function importDocuments(
  storage: ObjectStorage,
  source: string,
  options: { runId?: string; onProgress?: (done: number) => void } = {},
): Promise<ImportResult> {
  const runId = options.runId ?? randomUUID();
  const startedAt = new Date().toISOString();
  const imported: string[] = [];
  const skipped: string[] = [];
  const failed: ImportFailure[] = [];
  await storage.ensureBucket();
  for await (const file of sourceFiles(source)) {
    let document: Document;
    try {
      document = parseImportedDocument(await file.read());
    } catch (error) {
      failed.push({ file: file.name, error: (error as Error).message });
      continue;
    }
    const key = documentKey(document.id);
    const existing = documentSchema.loose().safeParse(await storage.getJson(key));
    if (existing.success && sameDocument(existing.data, document)) {
      skipped.push(document.id);
    } else {
      await storage.putJson(key, document);
      imported.push(document.id);
    }
    options.onProgress?.(imported.length + skipped.length + failed.length);
  }
  const manifestKey = runManifestKey('import', runId);
  await storage.putJson(manifestKey, {
    runId,
    source: path.basename(source),
    startedAt,
    finishedAt: new Date().toISOString(),
    imported,
    skipped,
    failed,
  });
  return { imported: imported.length, skipped: skipped.length, failed, manifestKey };
}
