// The Notion adapter on the real @notionhq/client, against the local emulator (no other servers).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../activities/to-application-failure.js';
import { SecondBrainError } from '../../domain/errors.js';
import { blocksToMarkdown } from '../../domain/notion-markdown.js';
import { fetchBlockTree } from '../../integrations/notion/block-tree.js';
import { createNotionGateway } from '../../integrations/notion/notion-client.js';
import {
  createRequestThrottle,
  type RequestThrottle,
} from '../../integrations/notion/request-throttle.js';
import { NotionEmulator } from '../emulators/notion-emulator.js';
import { buildWorkspace, type Workspace } from '../emulators/notion-fixtures.js';

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

  it('queries a database across result pages, every call through the throttle', async () => {
    const before = emulator.requests.length;
    scheduled = 0;
    const pages = await gateway().queryDatabase(workspace.databaseId);
    assert.equal(pages.length, workspace.totalPages);
    assert.equal(new Set(pages.map((page) => page.id)).size, workspace.totalPages);
    assert.equal(emulator.requests.length - before, 2);
    assert.equal(scheduled, 2);
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
      .queryDatabase(workspace.databaseId)
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
