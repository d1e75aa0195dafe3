// The Notion adapter on the real @notionhq/client, against the local emulator (no other servers).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@notionhq/client';
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../activities/to-application-failure.js';
import { SecondBrainError } from '../../domain/errors.js';
import { blocksToMarkdown } from '../../domain/notion-markdown.js';
import { fetchBlockTree } from '../../integrations/notion/block-tree.js';
import {
  createNotionGateway,
  NOTION_API_VERSION,
} from '../../integrations/notion/notion-client.js';
import {
  createRequestThrottle,
  type RequestThrottle,
} from '../../integrations/notion/request-throttle.js';
import { NotionEmulator } from '../emulators/notion-emulator.js';
import {
  buildWorkspace,
  page,
  paragraph,
  text,
  type Workspace,
} from '../emulators/notion-fixtures.js';

const token = 'secret_unit_token_never_logged';

describe('request throttle', () => {
  it('spaces requests 1/rate apart, even when they all arrive at once', async () => {
    // Every request arrives at t = 1000 ms; each one sleeps until its own slot.
    const waits: number[] = [];
    const clock = {
      now: () => 1_000,
      sleep: (ms: number) => {
        waits.push(Math.round(ms));
        return Promise.resolve();
      },
    };
    const throttle = createRequestThrottle(3, clock);
    await Promise.all(Array.from({ length: 7 }, () => throttle.schedule(() => Promise.resolve())));
    // Seven requests at 3/s need two full seconds: the first goes at once, then every 333 ms.
    assert.deepEqual(waits, [333, 667, 1000, 1333, 1667, 2000]);
  });

  it('waits in real time too', async () => {
    const throttle = createRequestThrottle(20);
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => throttle.schedule(() => Promise.resolve())));
    assert.ok(Date.now() - started >= 240, 'six requests at 20/s take at least 250 ms');
  });
});

describe('Notion gateway on the real SDK against the emulator', () => {
  const emulator = new NotionEmulator(token);
  let apiUrl: string;
  let workspace: Workspace;
  let scheduled = 0;
  const countingThrottle: RequestThrottle = {
    schedule(request) {
      scheduled += 1;
      return request();
    },
  };
  const gateway = () =>
    createNotionGateway({ token, apiUrl, requestsPerSecond: 1000 }, countingThrottle);

  before(async () => {
    apiUrl = await emulator.start();
    workspace = buildWorkspace(emulator);
  });
  after(() => emulator.stop());

  it('speaks the API version the SDK defaults to (data sources, 2025-09-03)', async () => {
    assert.equal(NOTION_API_VERSION, Client.defaultNotionVersion);
    const before = emulator.requests.length;
    await gateway().retrievePage(workspace.notesPageId);
    assert.deepEqual(
      emulator.requests.slice(before).map((request) => request.notionVersion),
      ['2025-09-03'],
    );
  });

  it("discovers a database id's data source and queries it across result pages, every call through the throttle", async () => {
    const before = emulator.requests.length;
    scheduled = 0;
    const notion = gateway();
    const database = await notion.resolveDatabase(workspace.databaseId);
    assert.equal(database.configuredAs, 'database');
    assert.equal(database.dataSources.length, 1);
    const listing = await notion.queryDataSource(database.dataSources[0]!.id);
    assert.equal(listing.incompleteReason, undefined);
    assert.equal(listing.pages.length, workspace.totalPages);
    assert.equal(new Set(listing.pages.map((entry) => entry.id)).size, workspace.totalPages);
    // A database entry's parent names its data source (and database) since 2025-09-03.
    assert.equal(listing.pages[0]!.parent.type, 'data_source_id');
    assert.equal(listing.pages[0]!.parent.data_source_id, database.dataSources[0]!.id);
    // One database retrieve, then two result pages of the data source (Notion returns 100).
    assert.deepEqual(
      emulator.requests.slice(before).map((request) => `${request.method} ${request.path}`),
      [
        `GET /v1/databases/${workspace.databaseId}`,
        `POST /v1/data_sources/${database.dataSources[0]!.id}/query`,
        `POST /v1/data_sources/${database.dataSources[0]!.id}/query`,
      ],
    );
    assert.equal(scheduled, 3);
  });

  it('a multi-source database lists every data source; the old database query is refused for it', async () => {
    const databaseId = randomUUID();
    const [tools, papers] = emulator.addDatabase(databaseId, [
      { name: 'Tools' },
      { name: 'Papers' },
    ]);
    emulator.addPage(tools!, page(databaseId, 'vLLM', 'Leaf'), [paragraph(text('Serving.'))]);
    emulator.addPage(papers!, page(databaseId, 'RAG paper', 'Leaf'), [paragraph(text('Lewis.'))]);
    emulator.addPage(papers!, page(databaseId, 'Chain of thought', 'Leaf'), []);

    const notion = gateway();
    const database = await notion.resolveDatabase(databaseId);
    assert.deepEqual(
      database.dataSources.map((source) => source.name),
      ['Tools', 'Papers'],
    );
    const titles = async (dataSourceId: string) =>
      (await notion.queryDataSource(dataSourceId)).pages.map(
        (entry) =>
          (entry.properties.Name as { title: { plain_text: string }[] }).title[0]!.plain_text,
      );
    assert.deepEqual(await titles(database.dataSources[0]!.id), ['vLLM']);
    assert.deepEqual(await titles(database.dataSources[1]!.id), ['RAG paper', 'Chain of thought']);

    // What the adapter did before data sources: refused once a second data source exists.
    const old = await fetch(`${apiUrl}/v1/databases/${databaseId}/query`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'notion-version': '2022-06-28',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    assert.equal(old.status, 400);
    const refusal = (await old.json()) as { code: string; message: string };
    assert.equal(refusal.code, 'validation_error');
    assert.match(refusal.message, /multiple data sources/);
    // ...while a single-source database still answers it (the pre-2025 shape of its pages).
    const single = await fetch(`${apiUrl}/v1/databases/${workspace.databaseId}/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'notion-version': '2022-06-28' },
    });
    assert.equal(single.status, 200);
    const singleBody = (await single.json()) as { results: { parent: { type: string } }[] };
    assert.equal(singleBody.results[0]!.parent.type, 'database_id');

    // A data source id configured directly resolves to its database with that one source.
    const direct = await notion.resolveDatabase(papers!);
    assert.equal(direct.configuredAs, 'data_source');
    assert.equal(direct.databaseId.replaceAll('-', ''), databaseId.replaceAll('-', ''));
    assert.deepEqual(
      direct.dataSources.map((source) => source.name),
      ['Papers'],
    );

    // Search returns data sources (not databases) since 2025-09-03, each with its database.
    const found = await notion.searchDataSources();
    const papersFound = found.find((source) => source.id.replaceAll('-', '') === papers);
    assert.equal(papersFound?.name, 'Papers');
    assert.equal(papersFound?.databaseId?.replaceAll('-', ''), databaseId.replaceAll('-', ''));
  });

  it('an id that is neither a shared database nor a data source is a NotFoundError naming it', async () => {
    const missing = randomUUID();
    const error = await gateway()
      .resolveDatabase(missing)
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof SecondBrainError);
    assert.equal(error.kind, 'notFound');
    assert.match(error.message, new RegExp(`database ${missing}`));
  });

  it('turns a 429 into a retryable failure whose next retry waits for Retry-After', async () => {
    const pageId = workspace.leafPageIds[1]!;
    emulator.failNextRequest(pageId, {
      status: 429,
      code: 'rate_limited',
      message: 'You have been rate limited.',
      headers: { 'retry-after': '7' },
    });
    const before = emulator.requestsFor(pageId).length;
    const error = await gateway()
      .listBlockChildren(pageId)
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof SecondBrainError);
    assert.equal(error.kind, 'rateLimited');
    assert.equal(error.retryAfterMs, 7_000);
    // The SDK did not retry on its own: Temporal owns retries.
    assert.equal(emulator.requestsFor(pageId).length - before, 1);
    const failure = toApplicationFailure(error);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'RateLimitedError');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 7_000);
  });

  it('a page not shared with the integration is a non-retryable NotFoundError naming it', async () => {
    const error = await gateway()
      .listBlockChildren(workspace.unsharedPageId)
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof SecondBrainError);
    assert.equal(error.kind, 'notFound');
    assert.match(error.message, new RegExp(workspace.unsharedPageId));
    assert.match(error.message, /not shared with the Notion integration/);
    const failure = toApplicationFailure(error) as ApplicationFailure;
    assert.equal(failure.type, 'NotFoundError');
    assert.equal(failure.nonRetryable, true);
  });

  it('a refused or missing token is a non-retryable AuthError that never shows the token', async () => {
    const wrong = createNotionGateway(
      { token: 'secret_wrong_token', apiUrl, requestsPerSecond: 1000 },
      countingThrottle,
    );
    const refused = await wrong
      .retrievePage(workspace.notesPageId)
      .catch((caught: unknown) => caught);
    assert.ok(refused instanceof SecondBrainError);
    assert.equal(refused.kind, 'auth');
    assert.match(refused.message, /NOTION_TOKEN/);
    assert.doesNotMatch(
      JSON.stringify({ message: refused.message, details: refused.details }),
      /secret_/,
    );

    const before = emulator.requests.length;
    const missing = createNotionGateway(
      { token: undefined, apiUrl, requestsPerSecond: 1000 },
      countingThrottle,
    );
    const error = await missing
      .resolveDatabase(workspace.databaseId)
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof SecondBrainError);
    assert.equal(error.kind, 'auth');
    assert.equal(emulator.requests.length, before);
  });

  it('follows child pages only up to maxDepth, and never in link mode', async () => {
    const notion = gateway();
    const depth = async (maxDepth: number, childPages: 'inline' | 'link' = 'inline') => {
      const tree = await fetchBlockTree(notion, workspace.notesPageId, { maxDepth, childPages });
      return blocksToMarkdown(tree.blocks, { childPages }).markdown;
    };
    const full = await depth(3);
    assert.match(full, /<child_page>\n# Grandchild page\n\nTwo levels of child pages down\./);
    const one = await depth(1);
    assert.match(one, /<child_page>\n# Agents Memory\n\nChild page text\n\n\[Grandchild page\]\(/);
    const none = await depth(0);
    assert.match(none, /\[Agents Memory\]\(https:\/\/www\.notion\.so\/[0-9a-f]{32}\)/);
    assert.doesNotMatch(none, /Child page text/);
    assert.equal(await depth(3, 'link'), none);
  });
});
