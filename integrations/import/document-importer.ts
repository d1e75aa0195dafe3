// Loads existing exports (the original project's notion.zip / crawled.zip, or a folder of its
// JSON documents) into the same S3 area the collector writes, so people without Notion access
// start from the published dataset. Each file is validated on its own: a bad one is reported
// with its name and the offending field, and the rest are imported.
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { contentHash, documentSchema, type Document } from '../../domain/document.js';
import { IMPORT_LIMIT_DEFAULTS } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import { sameDocument } from '../../domain/notion-document.js';
import { documentKey, runManifestKey } from '../../domain/storage-layout.js';
import { describeIssues } from '../../domain/workflow-inputs.js';
import type { ObjectStorage } from '../s3/object-storage.js';
import {
  checkDeclaredEntry,
  formatBytes,
  inflateEntry,
  limitError,
  readZipDirectory,
  type ImportLimits,
} from './zip-archive.js';

export type { ImportLimits } from './zip-archive.js';

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

/** A plain file is measured before it is read: one huge file must not fill the memory. */
function plainFile(absolute: string, name: string, limits: ImportLimits): SourceFile {
  return {
    name,
    read: async () => {
      const { size } = await stat(absolute);
      if (size > limits.maxFileBytes)
        throw limitError(
          name,
          `per-file limit of ${formatBytes(limits.maxFileBytes)} (IMPORT_MAX_FILE_BYTES)`,
          `it is ${formatBytes(size)}`,
          { limit: 'fileBytes', max: limits.maxFileBytes, measured: size },
        );
      return readFile(absolute);
    },
  };
}

async function* folderFiles(
  root: string,
  limits: ImportLimits,
  folder: string = root,
): AsyncGenerator<SourceFile> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((left, right) => (left.name < right.name ? -1 : 1));
  for (const entry of entries) {
    const absolute = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* folderFiles(root, limits, absolute);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json'))
      yield plainFile(absolute, path.relative(root, absolute), limits);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.zip'))
      yield* zipFiles(absolute, path.relative(root, absolute), limits, { insideFolder: true });
  }
}

/**
 * The JSON entries of an archive, each checked against the limits from the central directory
 * before it is inflated, and inflated only up to its checked size (zip-archive.ts). An archive
 * over the entry limit is one failure; an entry over a limit is one failure, the rest import.
 */
async function* zipFiles(
  archive: string,
  label: string,
  limits: ImportLimits,
  options: { insideFolder?: boolean } = {},
): AsyncGenerator<SourceFile> {
  let directory;
  try {
    directory = await readZipDirectory(archive, label, limits);
  } catch (error) {
    // An archive over a limit, or one corrupt archive among a folder's files, is reported like
    // a bad file; the rest go on.
    if (error instanceof SecondBrainError || options.insideFolder) {
      const failure = error instanceof SecondBrainError ? error : (error as Error);
      yield { name: label, read: () => Promise.reject(failure) };
      return;
    }
    throw new SecondBrainError('validation', `${label} is not a readable zip archive`, {
      cause: error,
    });
  }
  const entries = directory
    .filter(
      (entry) =>
        !entry.name.endsWith('/') &&
        entry.name.toLowerCase().endsWith('.json') &&
        // macOS archivers add resource forks that look like JSON files but are not.
        !entry.name.startsWith('__MACOSX/') &&
        !path.posix.basename(entry.name).startsWith('._'),
    )
    .sort((left, right) => (left.name < right.name ? -1 : 1));
  let inflated = 0;
  for (const entry of entries) {
    const name = `${label}:${entry.name}`;
    yield {
      name,
      read: async () => {
        checkDeclaredEntry(name, entry, limits, inflated);
        return inflateEntry(archive, name, entry, (bytes) => (inflated += bytes));
      },
    };
  }
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

async function* sourceFiles(source: string, limits: ImportLimits): AsyncGenerator<SourceFile> {
  let info;
  try {
    info = await stat(source);
  } catch (error) {
    throw new SecondBrainError('validation', `Cannot import ${source}: no such file or folder`, {
      cause: error,
    });
  }
  if (info.isDirectory()) yield* folderFiles(source, limits);
  else if (source.toLowerCase().endsWith('.zip'))
    yield* zipFiles(source, path.basename(source), limits);
  else if (source.toLowerCase().endsWith('.json'))
    yield plainFile(source, path.basename(source), limits);
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
  options: { runId?: string; onProgress?: (done: number) => void; limits?: ImportLimits } = {},
): Promise<ImportResult> {
  const limits = options.limits ?? IMPORT_LIMIT_DEFAULTS;
  const runId = options.runId ?? randomUUID();
  const startedAt = new Date().toISOString();
  const imported: string[] = [];
  const skipped: string[] = [];
  const failed: ImportFailure[] = [];
  await storage.ensureBucket();
  for await (const file of sourceFiles(source, limits)) {
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
