import { recordHistoryForReplay } from '../support/replay-histories.js';
import { createNotionGateway } from '../../integrations/notion/notion-client.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { progressWithRunningActivities } from '../../clients/cli/running-activity-progress.js';
import { createOfflineActivities } from '../../workers/offline-activities.js';
import type { RawDocument } from '../../integrations/mongo/stores/raw-documents.js';
import { documentSchema, type Document } from '../../domain/document.js';
import type { EtlProgress, EtlResult } from '../../domain/etl.js';
import { COLLECTIONS, TASK_QUEUES } from '../../domain/names.js';
import { documentKey, runManifestKey } from '../../domain/storage-layout.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { createWorker, type RunningWorker } from '../../workers/create-worker.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';
import {
  lastJsonLine,
  runCli,
  testConfig,
  uniqueName,
  sampleDocumentsDirectory,
} from '../support/test-environment.js';

const sampleDirectory = sampleDocumentsDirectory();

function notionPage(title: string, childUrls: string[]): Document {
  const id = randomBytes(16).toString('hex');
  return documentSchema.parse({
    id,
    metadata: {
      id,
      url: `https://www.notion.so/${title.replaceAll(' ', '-')}-${id}`,
      title,
      properties: { Type: 'Leaf' },
    },
    parent_metadata: null,
    content: `# ${title}\n\nNotes with ${childUrls.length} links.`,
    child_urls: childUrls,
    source: 'notion',
  });
}

describe('etl workflow on the real servers', () => {
  const config = testConfig();
  const taskQueue = uniqueName('etl');
  let worker: RunningWorker;
  let client: Client;
  let storage: ObjectStorage;
  let mongo: MongoDatabase;
  let site: TestSite;

  before(async () => {
    site = await startTestSite();
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    mongo = await connectMongo(config.mongodb);
    worker = await createWorker(config, {
      taskQueue,
      workflows: 'offline',
      activities: createOfflineActivities({
        config,
        storage,
        mongo,
        notion: createNotionGateway(config.notion),
        crawlRetryBackoffMs: 100,
      }),
    });
    void worker.run();
    client = await connectClient(config);
  });
  after(async () => {
    await worker.shutdown();
    await client.connection.close();
    await mongo.close();
    storage.close();
    await site.close();
  });

  it('crawls every linked page once, stores one raw document per reachable page, and a re-run adds no duplicates', async () => {
    const o = site.origin;
    const shared = `${o}/article/shared`;
    const documents = [
      notionPage('Durable pipelines', [
        `${shared}?utm_source=notion&utm_medium=link`,
        `${o}/article/alpha#intro`,
        `${o}/missing`,
        `${o}/flaky`,
        `${o}/slow`,
        `${o}/loop-a`,
        `${o}/binary`,
        'mailto:someone@example.com',
      ]),
      notionPage('Crawling notes', [
        `${shared}/`,
        `${o}/huge`,
        `${o}/bad-charset`,
        `${o}/links-only`,
        `${o}/empty`,
        `${o}/paper.pdf?fbclid=abc`,
      ]),
      notionPage('Reading list', [`${shared}#section`, `${o}/article/beta?gclid=1`]),
    ];
    // An imported document in the original project's format, as the import would store it.
    const sample = documentSchema.parse(
      JSON.parse(
        readFileSync(path.join(sampleDirectory, '98f4ab8345eae7b38adc96bfa6a9abc8.json'), 'utf8'),
      ),
    );
    const imported = { ...sample, child_urls: [`${o}/article/alpha`] };
    const importRunId = uniqueName('import');
    for (const document of [...documents, imported])
      await storage.putJson(documentKey(document.id), document);
    await storage.putJson(runManifestKey('import', importRunId), {
      documentIds: [...documents, imported].map((document) => document.id),
    });

    const input = {
      source: { kind: 'import', runId: importRunId },
      crawl: {
        allowedHosts: ['127.0.0.1'],
        timeoutSecs: 2,
        maxRetries: 2,
        maxPageBytes: 1_000_000,
        batchSize: 3,
        parallelBatches: 2,
      },
      scoring: { useLlm: false },
      batchesPerExecution: 2,
    };
    const handle = await startPipeline(client, 'etl', { input, taskQueue, trigger: 'test' });
    const result = (await handle.result()) as EtlResult;
    await recordHistoryForReplay(client, handle.workflowId, 'etl');

    assert.equal(result.documentsIn, 4);
    assert.equal(result.linksFound, 17);
    // shared (x3), alpha (x2) collapse; mailto is not a link to crawl.
    assert.equal(result.uniqueLinks, 13);
    assert.deepEqual(result.failedByReason, {
      'not-found': 1,
      timeout: 1,
      'too-many-redirects': 1,
      'unsupported-content-type': 1,
      'too-large': 1,
    });
    assert.equal(result.crawled, 8);
    assert.equal(result.failed, 5);
    assert.equal(result.storedCrawledPages, 8);
    assert.equal(result.storedSourceDocuments, 4);
    assert.equal(result.stored, 12);
    assert.equal(result.scoredByLlm, 0);
    assert.equal(result.llmSkipped, 'scoring.useLlm is false');
    assert.ok(result.continuedAsNew >= 2, `continued as new ${result.continuedAsNew} times`);

    const raw = mongo.db.collection<RawDocument>(COLLECTIONS.raw);
    const snapshot = (await storage.getJson(result.snapshotKey)) as {
      documents: Array<{ id: string; contentHash: string }>;
    };
    assert.equal(snapshot.documents.length, 12);
    const stored = await raw
      .find({ _id: { $in: snapshot.documents.map((document) => document.id) } })
      .toArray();
    assert.equal(stored.length, 12);
    const crawled = stored.filter((document) => document.source === 'crawl');
    assert.equal(crawled.length, 8);
    const urls = crawled.map((document) => document.metadata.url);
    assert.equal(new Set(urls).size, urls.length, 'no duplicate URLs');
    for (const document of crawled) {
      assert.ok(documentSchema.safeParse(document).success, `${document.id} fits the schema`);
      if (!document.metadata.url.endsWith('/empty'))
        assert.ok(document.content.trim().length > 0, `${document.metadata.url} has Markdown`);
      const score = document.content_quality_score;
      assert.ok(score === null || (score >= 0 && score <= 1));
    }
    const byPath = (suffix: string) =>
      crawled.find((document) => new URL(document.metadata.url).pathname === suffix)!;
    const sharedDocument = byPath('/article/shared');
    assert.equal(sharedDocument.metadata.url, shared, 'canonical URL without tracking');
    assert.deepEqual(
      [...(sharedDocument.parentIds ?? [])].sort(),
      documents.map((document) => document.id).sort(),
      'every parent keeps its link',
    );
    assert.equal(sharedDocument.parent_metadata?.id, sharedDocument.parentIds?.[0]);
    assert.ok(
      documents.some(
        (document) => document.metadata.title === sharedDocument.parent_metadata?.title,
      ),
    );
    assert.equal(sharedDocument.content_quality_score, null, 'undecided stays null, not 0');
    assert.equal(sharedDocument.metadata.properties.description, 'About Article shared');
    assert.equal(byPath('/links-only').content_quality_score, 0);
    assert.equal(byPath('/links-only').qualityScoreSource, 'heuristic');
    assert.equal(byPath('/empty').content_quality_score, 0);
    assert.match(byPath('/bad-charset').content, /Café crème/);
    assert.equal(byPath('/paper.pdf').content, 'Hello PDF text');
    assert.ok(byPath('/flaky').content.length > 0, 'the 500 succeeded on retry');
    assert.equal(byPath('/article/alpha').parentIds?.length, 2);
    const storedImport = stored.find((document) => document.id === imported.id)!;
    assert.equal(storedImport.content_quality_score, sample.content_quality_score);

    const progress = await handle.query<EtlProgress>('progress');
    assert.equal(progress.stage, 'done');

    const report = (await storage.getJson(result.failureReportKey)) as {
      failures: Array<{ url: string; reason: string; attempts: number }>;
    };
    const failure = (suffix: string) =>
      report.failures.find((entry) => new URL(entry.url).pathname === suffix);
    assert.deepEqual(
      { reason: failure('/missing')?.reason, attempts: failure('/missing')?.attempts },
      { reason: 'not-found', attempts: 1 },
    );
    assert.deepEqual(
      { reason: failure('/slow')?.reason, attempts: failure('/slow')?.attempts },
      { reason: 'timeout', attempts: 3 },
    );
    // A second run of the same input rewrites the same documents: nothing duplicated or lost.
    const ids = stored.map((document) => document.id).sort();
    const hashes = new Map(stored.map((document) => [document.id, document.contentHash]));
    const again = await startPipeline(client, 'etl', { input, taskQueue, trigger: 'test' });
    const second = (await again.result()) as EtlResult;
    assert.equal(second.stored, 12);
    const secondSnapshot = (await storage.getJson(second.snapshotKey)) as typeof snapshot;
    assert.deepEqual(secondSnapshot.documents, snapshot.documents, 'the same final state');
    const all = await raw.find({ _id: { $in: ids } }).toArray();
    assert.equal(all.length, 12);
    assert.deepEqual(all.map((document) => document.id).sort(), ids);
    for (const document of all)
      assert.equal(document.contentHash, hashes.get(document.id), document.metadata.url);
    const secondUrls = await raw.countDocuments({ 'metadata.url': shared });
    assert.equal(secondUrls, 1);
  });

  it('shows a running crawl batch page by page, before the batch completes', async () => {
    // Twelve pages of 300 ms each, one at a time, in one batch: the workflow's own counts stay
    // at zero until the batch completes (3.6 s or more), but its heartbeats carry its progress.
    const pages = Array.from({ length: 12 }, (_, index) => `${site.origin}/slowish/${index}`);
    const document = notionPage('Paced reading list', pages);
    await storage.putJson(documentKey(document.id), document);
    const runId = uniqueName('import');
    await storage.putJson(runManifestKey('import', runId), { documentIds: [document.id] });
    const handle = await startPipeline(client, 'etl', {
      input: {
        source: { kind: 'import', runId },
        crawl: { allowedHosts: ['127.0.0.1'], maxConcurrency: 1, perHostConcurrency: 1 },
        scoring: { useLlm: false },
      },
      taskQueue,
      trigger: 'test',
    });
    const result = handle.result() as Promise<EtlResult>;
    let finished = false;
    void result.finally(() => (finished = true));
    const seen: Array<{ workflowDone: number; shownDone: number }> = [];
    while (!finished) {
      try {
        const progress = await handle.query<EtlProgress>('progress');
        const shown = (await progressWithRunningActivities(handle, progress)) as EtlProgress;
        if (progress.stage === 'crawling')
          seen.push({ workflowDone: progress.crawl.done, shownDone: shown.crawl.done });
      } catch {
        // Not answering yet (or just closed).
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await result).crawled, 12);
    const partial = seen.filter((entry) => entry.workflowDone === 0 && entry.shownDone > 0);
    assert.ok(
      partial.length > 0,
      `the CLI saw the batch's pages before it completed: ${JSON.stringify(seen.slice(-5))}`,
    );
    assert.ok(
      partial.every((entry) => entry.shownDone < 12),
      'a partial count while the batch runs',
    );
  });

  it('accepts {} shaped defaults and rejects a collect source without runId', async () => {
    const handle = await startPipeline(client, 'etl', {
      input: { source: { kind: 'collect' } },
      taskQueue,
    });
    await assert.rejects(handle.result(), (error: Error) =>
      /runId is required/.test((error.cause as Error | undefined)?.message ?? ''),
    );
  });

  it('the CLI runs it with --wait --json and prints the counts as the last line', async () => {
    const document = notionPage('From the CLI', [
      `${site.origin}/article/cli-one`,
      `${site.origin}/article/cli-two?utm_campaign=x`,
      `${site.origin}/missing`,
    ]);
    const importRunId = uniqueName('import-cli');
    await storage.putJson(documentKey(document.id), document);
    await storage.putJson(runManifestKey('import', importRunId), { documents: [document.id] });
    // The CLI targets the shared offline queue, so serve it for this test.
    const sharedWorker = await createWorker(config, {
      taskQueue: TASK_QUEUES.offline,
      workflows: 'offline',
      activities: createOfflineActivities({
        config,
        storage,
        mongo,
        notion: createNotionGateway(config.notion),
        crawlRetryBackoffMs: 100,
      }),
    });
    const running = sharedWorker.run();
    try {
      const result = await runCli([
        'run',
        'etl',
        '--input',
        JSON.stringify({
          source: { kind: 'import', runId: importRunId },
          crawl: { allowedHosts: ['127.0.0.1'] },
          scoring: { useLlm: false },
        }),
        '--wait',
        '--json',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const output = lastJsonLine(result.stdout) as EtlResult;
      assert.equal(output.documentsIn, 1);
      assert.equal(output.uniqueLinks, 3);
      assert.equal(output.crawled, 2);
      assert.deepEqual(output.failedByReason, { 'not-found': 1 });
      assert.equal(output.stored, 3);
    } finally {
      await sharedWorker.shutdown();
      await running;
    }
  });
});
