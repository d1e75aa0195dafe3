import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import AdmZip from 'adm-zip';
import { documentKey } from '../../domain/storage-layout.js';
import { importDocuments } from '../../integrations/import/document-importer.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import {
  lastJsonLine,
  runCli,
  testConfig,
  uniqueName,
  sampleDocumentsDirectory,
} from '../support/test-environment.js';

const sampleFolder = sampleDocumentsDirectory();
const sampleFiles = readdirSync(sampleFolder).filter((name) => name.endsWith('.json'));

/** Each test writes to a bucket of its own, so counts never depend on another test. */
function freshStorage() {
  const bucket = uniqueName('import');
  return { bucket, storage: createObjectStorage({ ...testConfig().s3, bucket }) };
}

function temporaryFolder(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'second-brain-import-'));
}

/** A folder with three valid sample documents and one invalid file per kind of problem. */
function mixedFolder(): string {
  const folder = temporaryFolder();
  mkdirSync(path.join(folder, 'notion'));
  for (const name of sampleFiles.slice(0, 3))
    cpSync(path.join(sampleFolder, name), path.join(folder, 'notion', name));
  const valid = JSON.parse(
    readFileSync(path.join(sampleFolder, sampleFiles[0]!), 'utf8'),
  ) as Record<string, unknown>;
  writeFileSync(path.join(folder, 'broken.json'), '{"id": "abc", ');
  writeFileSync(
    path.join(folder, 'notion', 'no-content.json'),
    JSON.stringify({ ...valid, content: undefined }),
  );
  writeFileSync(
    path.join(folder, 'bad-score.json'),
    JSON.stringify({ ...valid, content_quality_score: 1.5 }),
  );
  writeFileSync(path.join(folder, 'bad-id.json'), JSON.stringify({ ...valid, id: 'Not-An-Id' }));
  writeFileSync(path.join(folder, 'README.md'), 'not a document, ignored');
  return folder;
}

describe('importing existing exports into S3', () => {
  it('round-trips the seven sample documents exactly, and a second import skips them all', async () => {
    const { storage } = freshStorage();
    try {
      const first = await importDocuments(storage, sampleFolder);
      assert.deepEqual(first.failed, []);
      assert.equal(first.imported, 7);
      assert.equal(first.skipped, 0);

      for (const name of sampleFiles) {
        const original = JSON.parse(readFileSync(path.join(sampleFolder, name), 'utf8')) as Record<
          string,
          unknown
        >;
        const stored = (await storage.getJson(documentKey(original.id as string))) as Record<
          string,
          unknown
        >;
        // The content is byte-for-byte the same, and so is every original field.
        assert.equal(
          Buffer.compare(
            Buffer.from(stored.content as string, 'utf8'),
            Buffer.from(original.content as string, 'utf8'),
          ),
          0,
          name,
        );
        for (const field of Object.keys(original))
          assert.deepEqual(stored[field], original[field], `${name}: ${field}`);
        assert.equal(stored.source, 'import');
        const url = (original.metadata as { url: string }).url;
        assert.equal(stored.crawled, !url.includes('notion.so'), name);
      }

      const second = await importDocuments(storage, sampleFolder);
      assert.equal(second.imported, 0);
      assert.equal(second.skipped, 7);
      // The same file twice gives the same object: seven documents, no duplicates.
      const keys: string[] = [];
      for await (const key of storage.listKeys('documents/')) keys.push(key);
      assert.equal(keys.length, 7);
      const manifest = (await storage.getJson(second.manifestKey)) as { skipped: string[] };
      assert.equal(manifest.skipped.length, 7);
    } finally {
      storage.close();
    }
  });

  it('imports the valid documents of a mixed folder and names each invalid file and field', async () => {
    const { storage } = freshStorage();
    try {
      const result = await importDocuments(storage, mixedFolder());
      assert.equal(result.imported, 3);
      const byFile = new Map(result.failed.map((failure) => [failure.file, failure.error]));
      assert.deepEqual([...byFile.keys()].sort(), [
        'bad-id.json',
        'bad-score.json',
        'broken.json',
        path.join('notion', 'no-content.json'),
      ]);
      assert.match(byFile.get('broken.json')!, /not valid JSON/);
      assert.match(byFile.get(path.join('notion', 'no-content.json'))!, /^content: /);
      assert.match(byFile.get('bad-score.json')!, /content_quality_score: /);
      assert.match(byFile.get('bad-id.json')!, /^id: must be 32 lowercase hex/);
    } finally {
      storage.close();
    }
  });

  it('imports a zip of folders of JSON documents, like notion.zip and crawled.zip', async () => {
    const { storage } = freshStorage();
    const zip = new AdmZip();
    for (const [index, name] of sampleFiles.entries())
      zip.addLocalFile(path.join(sampleFolder, name), index < 4 ? 'notion/' : 'crawled/nested/');
    zip.addFile('__MACOSX/notion/._x.json', Buffer.from('junk'));
    zip.addFile('notion/bad.json', Buffer.from('{"id": 1}'));
    const archive = path.join(temporaryFolder(), 'notion.zip');
    zip.writeZip(archive);
    try {
      const result = await importDocuments(storage, archive);
      assert.equal(result.imported, 7);
      assert.equal(result.failed.length, 1);
      assert.equal(result.failed[0]!.file, 'notion.zip:notion/bad.json');
      assert.match(result.failed[0]!.error, /id: /);
    } finally {
      storage.close();
    }
  });

  it('the CLI prints {"imported","skipped","failed"} with --json, and a summary without', async () => {
    const { bucket, storage } = freshStorage();
    storage.close();
    const folder = mixedFolder();
    const json = await runCli(['import', folder, '--json'], { env: { S3_BUCKET: bucket } });
    assert.equal(json.code, 1, 'invalid files make the exit code 1');
    const output = lastJsonLine(json.stdout) as {
      imported: number;
      skipped: number;
      failed: { file: string; error: string }[];
    };
    assert.equal(output.imported, 3);
    assert.equal(output.skipped, 0);
    assert.equal(output.failed.length, 4);
    assert.deepEqual(Object.keys(output).sort(), ['failed', 'imported', 'skipped']);

    // The summary run (after the first: it reports the same files as unchanged) and the run on a
    // missing folder (which imports nothing) are independent: started side by side.
    const [human, missing] = await Promise.all([
      runCli(['import', folder], { env: { S3_BUCKET: bucket } }),
      runCli(['import', path.join(folder, 'nope')], { env: { S3_BUCKET: bucket } }),
    ]);
    assert.match(human.stdout, /Imported 0 documents, skipped 3 unchanged, 4 failed\./);
    assert.match(human.stdout, /bad-score\.json: content_quality_score: /);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file or folder/);
  });
});

/** The peak RSS a child process preloaded with report-peak-memory.mjs printed, in MiB. */
function peakRssMiB(stderr: string): number {
  const match = /peak-rss-kib=(\d+)/.exec(stderr);
  assert.ok(match, `no peak-rss-kib line in: ${stderr.slice(-500)}`);
  return Number(match[1]) / 1024;
}

const peakMemoryPreload = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../support/report-peak-memory.mjs',
);

/** Sets the uncompressed size an archive's central directory and local header give `name`. */
function declareSize(archive: Buffer, name: string, size: number): void {
  const nameBytes = Buffer.from(name, 'utf8');
  let patched = 0;
  for (let at = 0; at + 46 < archive.length; at++) {
    const signature = archive.readUInt32LE(at);
    if (
      signature === 0x04034b50 &&
      archive.subarray(at + 30, at + 30 + nameBytes.length).equals(nameBytes)
    ) {
      archive.writeUInt32LE(size, at + 22);
      patched++;
    }
    if (
      signature === 0x02014b50 &&
      archive.subarray(at + 46, at + 46 + nameBytes.length).equals(nameBytes)
    ) {
      archive.writeUInt32LE(size, at + 24);
      patched++;
    }
  }
  assert.equal(patched, 2, `${name}: local header and central directory entry`);
}

const BOMB_BYTES = 100 * 1024 * 1024;

/**
 * A zip of about 200 KB holding two 100 MiB entries of zeros, one that says so and one whose
 * headers claim 1,000 bytes, and one valid document.
 */
function zipBomb(folder: string): string {
  const zip = new AdmZip();
  const zeros = Buffer.alloc(BOMB_BYTES);
  zip.addFile('bomb/honest.json', zeros);
  zip.addFile('bomb/liar.json', zeros);
  zip.addLocalFile(path.join(sampleFolder, sampleFiles[1]!), 'bomb/');
  const bytes = zip.toBuffer();
  declareSize(bytes, 'bomb/liar.json', 1000);
  const archive = path.join(folder, 'bomb.zip');
  writeFileSync(archive, bytes);
  assert.ok(bytes.length < 300_000, `the bomb is ${bytes.length} bytes`);
  return archive;
}

describe('import size limits (issue 16, item 10)', () => {
  it('`import` refuses a 100 KB → 100 MB zip bomb by name, with low peak memory, and imports the good files beside it', async () => {
    const { bucket, storage } = freshStorage();
    try {
      const folder = temporaryFolder();
      zipBomb(folder);
      cpSync(path.join(sampleFolder, sampleFiles[0]!), path.join(folder, 'good.json'));
      const goodOnly = temporaryFolder();
      cpSync(path.join(sampleFolder, sampleFiles[0]!), path.join(goodOnly, 'good.json'));
      const env = { S3_BUCKET: bucket, NODE_OPTIONS: `--import=${peakMemoryPreload}` };

      const baseline = await runCli(['import', goodOnly, '--json'], { env });
      assert.equal(baseline.code, 0, baseline.stderr);
      const run = await runCli(['import', folder, '--json'], { env });
      assert.equal(run.code, 1, 'refused files make the exit code 1');
      const output = lastJsonLine(run.stdout) as {
        imported: number;
        skipped: number;
        failed: { file: string; error: string }[];
      };
      // good.json is unchanged since the baseline run; the archive's good document is new.
      assert.equal(output.imported + output.skipped, 2, run.stdout);
      const byFile = new Map(output.failed.map((failure) => [failure.file, failure.error]));
      assert.deepEqual([...byFile.keys()].sort(), [
        'bomb.zip:bomb/honest.json',
        'bomb.zip:bomb/liar.json',
      ]);
      // Refused from the central directory: the file, the limit and the measured size.
      assert.match(
        byFile.get('bomb.zip:bomb/honest.json')!,
        /^bomb\.zip:bomb\/honest\.json refused: it declares 100 MiB \(104857600 bytes\) uncompressed, over the per-file limit of 32 MiB \(33554432 bytes\) \(IMPORT_MAX_FILE_BYTES\)$/,
      );
      // Stopped while inflating, one slice past the size its headers claim.
      assert.match(
        byFile.get('bomb.zip:bomb/liar.json')!,
        /^bomb\.zip:bomb\/liar\.json refused: it inflated past ([\d.]+ KiB) \(\d+ bytes\) and was stopped there, over the 1000 bytes its central directory declares$/,
      );
      const stopped = Number(
        /past [\d.]+ KiB \((\d+) bytes\)/.exec(byFile.get('bomb.zip:bomb/liar.json')!)![1],
      );
      assert.ok(stopped <= 1000 + 64 * 1024, `inflated ${stopped} bytes`);
      const keys: string[] = [];
      for await (const key of storage.listKeys('documents/')) keys.push(key);
      assert.equal(keys.length, 2);

      // The old importer held the whole 100 MiB entry and its decoded text: about 300 MiB more
      // than a one-file import. The CLI's own peak varies by about 30 MiB from run to run.
      const growth = peakRssMiB(run.stderr) - peakRssMiB(baseline.stderr);
      process.stderr.write(`peak RSS growth over a one-file import: ${growth.toFixed(1)} MiB\n`);
      assert.ok(growth < 100, `peak RSS grew by ${growth.toFixed(0)} MiB over a one-file import`);
    } finally {
      storage.close();
    }
  });

  it('refuses an archive over the entry limit, an entry over the ratio or total limit, and a plain file over the size limit, by name', async () => {
    const { storage } = freshStorage();
    const limits = {
      maxEntries: 3,
      maxFileBytes: 100 * 1024 * 1024 + 1,
      maxTotalBytes: 3 * 1024 * 1024,
      maxCompressionRatio: 50,
    };
    try {
      const folder = temporaryFolder();
      zipBomb(folder);
      const many = new AdmZip();
      for (let index = 0; index < 4; index++) many.addFile(`x${index}.json`, Buffer.from('{}'));
      many.writeZip(path.join(folder, 'many.zip'));
      const total = new AdmZip();
      const random = Buffer.alloc(2 * 1024 * 1024);
      for (let at = 0; at < random.length; at += 4)
        random.writeUInt32LE((at * 2654435761) >>> 0, at);
      total.addFile('a.json', random);
      total.addFile('b.json', random);
      total.writeZip(path.join(folder, 'total.zip'));
      cpSync(path.join(sampleFolder, sampleFiles[0]!), path.join(folder, 'good.json'));
      writeFileSync(path.join(folder, 'huge.json'), Buffer.alloc(1024, 0x20));

      const result = await importDocuments(storage, folder, { limits });
      const byFile = new Map(result.failed.map((failure) => [failure.file, failure.error]));
      assert.match(
        byFile.get('many.zip')!,
        /^many\.zip refused: its central directory lists 4 entries, over the limit of 3 entries \(IMPORT_MAX_ENTRIES\)$/,
      );
      assert.match(
        byFile.get('bomb.zip:bomb/honest.json')!,
        /refused: .* inflate to 100 MiB \(104857600 bytes\), a ratio of \d+, over the compression ratio limit of 50/,
      );
      assert.match(
        byFile.get('total.zip:b.json')!,
        /would take the archive to 4\.0 MiB \(4194304 bytes\) uncompressed, over the archive total limit of 3\.0 MiB/,
      );
      assert.equal(result.imported, 2, JSON.stringify(result.failed));

      const small = await importDocuments(storage, folder, {
        limits: { ...limits, maxFileBytes: 512 },
      });
      assert.match(
        new Map(small.failed.map((failure) => [failure.file, failure.error])).get('huge.json')!,
        /^huge\.json refused: it is 1\.0 KiB \(1024 bytes\), over the per-file limit of 512 bytes \(IMPORT_MAX_FILE_BYTES\)$/,
      );
    } finally {
      storage.close();
    }
  });
});
