// What a refresh costs when little or nothing changed, through the real refreshKnowledgeBase
// workflow: the Notion emulator, a loopback site that sends ETag/Last-Modified and counts its
// full downloads and 304s, and the OpenAI emulator for quality scoring and embeddings (each
// call counted). A second refresh with no change must call no model and download no page; an
// edit changes only the edited pages' chunks; an archived Notion page and a page the site
// removed leave the serving index in the same refresh.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createOfflineActivities } from '../../workers/offline-activities.js';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { documentIdForUrl, normalizeNotionId } from '../../domain/document.js';
import type { EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import { canonicalizeUrl } from '../../domain/url-canonicalization.js';
import { createOpenAIEmbeddingModel } from '../../integrations/embeddings/openai-embedding-model.js';
import { createOpenAIChatModel } from '../../integrations/llm/openai-chat-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createNotionGateway } from '../../integrations/notion/notion-client.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { createWorker, type RunningWorker } from '../../workers/create-worker.js';
import type { RefreshResult } from '../../workflows/refresh-knowledge-base.js';
import { NotionEmulator } from '../emulators/notion-emulator.js';
import { page, paragraph, text } from '../emulators/notion-fixtures.js';
import {
  createOpenAIEmulator,
  OPENAI_EMULATOR_KEY,
  openAIChatReply,
} from '../emulators/openai-emulator.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

const token = 'secret_emulated_integration_token';

function article(topic: string, version: number): string {
  const sentences = Array.from(
    { length: 12 },
    (_, index) =>
      `${topic} paragraph ${index} of version ${version} explains how the ${topic} works in practice.`,
  );
  return `<!doctype html><html><head><title>${topic}</title></head><body><article><h1>${topic}</h1>${sentences.map((sentence) => `<p>${sentence}</p>`).join('')}</article></body></html>`;
}

/** A site that validates like a static file server: ETag and Last-Modified, 304 when unchanged. */
class ValidatingSite {
  readonly pages = new Map<string, { html: string; modified: Date }>();
  readonly downloads = new Map<string, number>();
  notModified = 0;
  bytes = 0;
  private server: Server | undefined;
  origin = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (path === '/robots.txt') return void response.writeHead(404).end();
      const entry = this.pages.get(path);
      if (!entry)
        return void response
          .writeHead(404, { 'content-type': 'text/html' })
          .end('<html><body>Not found</body></html>');
      const etag = `"${createHash('sha256').update(entry.html).digest('hex').slice(0, 16)}"`;
      if (request.headers['if-none-match'] === etag) {
        this.notModified++;
        return void response.writeHead(304, { etag }).end();
      }
      this.downloads.set(path, (this.downloads.get(path) ?? 0) + 1);
      this.bytes += Buffer.byteLength(entry.html);
      response
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          etag,
          'last-modified': entry.modified.toUTCString(),
        })
        .end(entry.html);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  url(path: string): string {
    return `${this.origin}${path}`;
  }

  fullDownloads(): number {
    return [...this.downloads.values()].reduce((sum, count) => sum + count, 0);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('refreshKnowledgeBase cost: nothing new costs nothing', () => {
  const notion = new NotionEmulator(token);
  const site = new ValidatingSite();
  const openai = createOpenAIEmulator({
    chat: (request) =>
      openAIChatReply({
        model: (request.body as { model: string }).model,
        content: JSON.stringify({ score: 0.8, reason: 'a clear explanation' }),
      }),
  });
  const taskQueue = uniqueName('refresh-cost');
  const databaseId = normalizeNotionId('6a1f3e55-1d4b-4c52-9d8e-3b2f0c1a9e71');
  let config: ReturnType<typeof testConfig>;
  let storage: ObjectStorage;
  let mongo: MongoDatabase;
  let worker: RunningWorker;
  let client: Client;
  const notionPages: Record<'guide' | 'notes' | 'old', string> = { guide: '', notes: '', old: '' };

  const calls = () => ({
    chat: openai.requests.filter((request) => request.path === '/v1/chat/completions').length,
    embeddings: openai.requests.filter((request) => request.path === '/v1/embeddings').length,
  });
  const embeddedTexts = (from: number) =>
    openai.requests
      .slice(from)
      .filter((request) => request.path === '/v1/embeddings')
      .flatMap((request) => (request.body as { input: string[] }).input);

  async function refresh(): Promise<{ result: RefreshResult; etl: EtlResult }> {
    const handle = await startPipeline(client, 'refresh', {
      input: { etl: { crawl: { allowedHosts: ['127.0.0.1'] } } },
      taskQueue,
      trigger: 'test',
    });
    const result = (await handle.result()) as RefreshResult;
    const etl = result.stages.find((stage) => stage.stage === 'etl')!.result as EtlResult;
    return { result, etl };
  }

  /** The serving index: chunk text by document id. */
  async function servingChunks(): Promise<Map<string, string[]>> {
    const state = await mongo.db
      .collection<{ _id: string; indexVersion: string }>(COLLECTIONS.ragIndexState)
      .findOne({ _id: 'current' });
    assert.ok(state, 'an index version serves');
    const chunks = new Map<string, string[]>();
    for await (const record of mongo.db
      .collection<{ documentId: string; text: string; kind: string; chunkIndex: number }>(
        COLLECTIONS.rag,
      )
      .find({ indexVersion: state.indexVersion, kind: 'chunk' })
      .sort({ documentId: 1, chunkIndex: 1 }))
      chunks.set(record.documentId, [...(chunks.get(record.documentId) ?? []), record.text]);
    return chunks;
  }

  const webId = (path: string) => documentIdForUrl(canonicalizeUrl(site.url(path))!);

  before(async () => {
    await site.start();
    for (const [path, topic] of [
      ['/vacuum', 'vacuum'],
      ['/indexes', 'indexes'],
      ['/wal', 'write-ahead log'],
    ] as const)
      site.pages.set(path, { html: article(topic, 1), modified: new Date('2026-01-05T10:00:00Z') });
    const apiUrl = await notion.start();
    notion.addDatabase(databaseId);
    const add = (title: string, links: string[]) => {
      const entry = page(databaseId, title, 'Leaf');
      notion.addPage(databaseId, entry, [
        // Enough prose that the links stay a small share of the text (the link heuristic).
        ...[1, 2, 3].map((index) =>
          paragraph(
            text(
              `${title}, thought ${index}: what I keep about the database in my own words, so that the assistant can answer from it later on.`,
            ),
          ),
        ),
        ...links.map((link) => paragraph(text(`Read ${link}`, { link }))),
      ]);
      return normalizeNotionId(entry.id);
    };
    notionPages.guide = add('Maintenance guide', [site.url('/vacuum'), site.url('/indexes')]);
    notionPages.notes = add('Durability notes', [site.url('/wal')]);
    notionPages.old = add('Old idea', []);
    await openai.start();

    config = testConfig({
      NOTION_API_URL: apiUrl,
      NOTION_TOKEN: token,
      NOTION_DATABASE_IDS: databaseId,
      NOTION_REQUESTS_PER_SECOND: '100',
      S3_BUCKET: uniqueName('refresh-cost'),
      MONGODB_DATABASE: uniqueName('refresh_cost').replace('-', '_'),
    });
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
        llm: createOpenAIChatModel({
          model: 'gpt-4o-mini',
          apiKey: OPENAI_EMULATOR_KEY,
          baseUrl: `${openai.url}/v1`,
          contextSize: 8192,
          timeoutMs: 5_000,
        }),
        embeddings: createOpenAIEmbeddingModel({
          model: 'text-embedding-3-small',
          apiKey: OPENAI_EMULATOR_KEY,
          baseUrl: `${openai.url}/v1`,
          dimensions: 64,
          timeoutMs: 5_000,
        }),
        crawlRetryBackoffMs: 100,
      }),
    });
    void worker.run();
    client = await connectClient(config);
  });
  after(async () => {
    await worker?.shutdown();
    await client?.connection.close();
    await mongo?.close();
    storage?.close();
    await openai.stop();
    await notion.stop();
    await site.stop();
  });

  it('a second refresh with no change calls no model, downloads no page; an edit changes only its chunks; removals leave the index', async () => {
    // First refresh: everything is new.
    const first = await refresh();
    assert.deepEqual(
      first.result.stages.map((stage) => [stage.stage, stage.status]),
      [
        ['collect', 'completed'],
        ['etl', 'completed'],
        ['rag', 'completed'],
      ],
    );
    assert.equal(first.etl.crawled, 3);
    assert.equal(site.fullDownloads(), 3);
    const afterFirst = calls();
    assert.ok(afterFirst.chat > 0, 'the first refresh scored pages with the LLM');
    assert.ok(afterFirst.embeddings > 0, 'the first refresh embedded chunks');
    const firstChunks = await servingChunks();
    assert.deepEqual(
      [...firstChunks.keys()].sort(),
      [
        notionPages.guide,
        notionPages.notes,
        notionPages.old,
        webId('/vacuum'),
        webId('/indexes'),
        webId('/wal'),
      ].sort(),
      'three Notion pages and three web pages are indexed',
    );

    // Second refresh, nothing changed anywhere.
    const notionRequestsBefore = notion.requests.length;
    const second = await refresh();
    assert.deepEqual(calls(), afterFirst, 'no LLM and no embedding call');
    assert.equal(site.fullDownloads(), 3, 'no page was downloaded again');
    assert.equal(site.notModified, 3, 'each page was checked with a conditional request');
    assert.equal(second.etl.unchangedPages, 3);
    assert.deepEqual(
      notion.requests
        .slice(notionRequestsBefore)
        .filter((request) => request.path.includes('/blocks/'))
        .map((request) => request.path),
      [],
      'no unchanged Notion page was fetched again',
    );
    assert.deepEqual(await servingChunks(), firstChunks);

    // An edit in Notion and one on the site; a page archived in Notion, one removed from the site.
    notion.editPage(notionPages.notes, [
      paragraph(text('Durability notes, rewritten: fsync matters more than I thought.')),
      paragraph(text(`Read ${site.url('/wal')}`, { link: site.url('/wal') })),
    ]);
    site.pages.set('/vacuum', {
      html: article('vacuum', 2),
      modified: new Date('2026-02-01T10:00:00Z'),
    });
    notion.archivePage(notionPages.old);
    site.pages.delete('/indexes');
    const embeddingsBefore = openai.requests.length;
    const third = await refresh();
    assert.equal(third.etl.removedPages, 1);
    assert.equal(site.downloads.get('/vacuum'), 2, 'only the edited page was downloaded');
    assert.equal(site.downloads.get('/wal'), 1);
    const thirdChunks = await servingChunks();
    assert.deepEqual(
      [...thirdChunks.keys()].sort(),
      [notionPages.guide, notionPages.notes, webId('/vacuum'), webId('/wal')].sort(),
      'the archived Notion page and the removed web page left the index',
    );
    for (const id of [notionPages.guide, webId('/wal')])
      assert.deepEqual(thirdChunks.get(id), firstChunks.get(id), `${id} kept its chunks`);
    const edited = [
      ...(thirdChunks.get(notionPages.notes) ?? []),
      ...(thirdChunks.get(webId('/vacuum')) ?? []),
    ];
    const embedded = embeddedTexts(embeddingsBefore);
    assert.equal(embedded.length, edited.length, 'only the edited pages were embedded');
    assert.ok(embedded.every((input) => /rewritten|version 2/.test(input)));
  });
});
