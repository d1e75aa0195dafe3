import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

    const human = await runCli(['import', folder], { env: { S3_BUCKET: bucket } });
    assert.match(human.stdout, /Imported 0 documents, skipped 3 unchanged, 4 failed\./);
    assert.match(human.stdout, /bad-score\.json: content_quality_score: /);

    const missing = await runCli(['import', path.join(folder, 'nope')], {
      env: { S3_BUCKET: bucket },
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file or folder/);
  });
});
