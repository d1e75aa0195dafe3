import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startPipeline } from '../../clients/temporal-client.js';
import type { Config } from '../../config/environment.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { documentSchema, normalizeNotionId, type Document } from '../../domain/document.js';
import { COLLECTIONS } from '../../domain/names.js';
import { documentKey } from '../../domain/storage-layout.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import type { CollectNotionDataResult } from '../../workflows/collect-notion-data.js';
import { NotionEmulator } from '../emulators/notion-emulator.js';
import {
  block,
  buildWorkspace,
  page,
  paragraph,
  text,
  type Workspace,
} from '../emulators/notion-fixtures.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

const token = 'secret_emulated_integration_token';

describe('collectNotionData against the Notion emulator, real Temporal, S3 and MongoDB', () => {
  const emulator = new NotionEmulator(token);
  const taskQueue = uniqueName('collect');
  let workspace: Workspace;
  let config: Config;
  let storage: ObjectStorage;
  let mongo: MongoDatabase;

  interface CursorRecord {
    _id: string;
    databaseId?: string;
    cursor: string;
    runId: string;
    updatedAt: Date;
  }
  const cursors = () => mongo.db.collection<CursorRecord>(COLLECTIONS.collectionCursors);

  async function collect(input: Record<string, unknown> = {}): Promise<CollectNotionDataResult> {
    const handle = await startPipeline(harness.client, 'collect', {
      input,
      taskQueue,
      trigger: 'test',
    });
    const result = (await handle.result()) as CollectNotionDataResult;
    const { searchAttributes } = await handle.describe();
    assert.deepEqual(searchAttributes.DocumentCount, [result.written]);
    assert.deepEqual(searchAttributes.Pipeline, ['collect']);
    await recordHistoryForReplay(harness.client, handle.workflowId, 'collect-notion-data');
    return result;
  }

  async function stored(pageId: string): Promise<Document> {
    return documentSchema.parse(await storage.getJson(documentKey(normalizeNotionId(pageId))));
  }

  /** Requests per database page since `before` (an index into the emulator's request log). */
  function requestsPerPage(before: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (const request of emulator.requests.slice(before))
      if (request.pageId) counts.set(request.pageId, (counts.get(request.pageId) ?? 0) + 1);
    return counts;
  }

  before(async () => {
    const apiUrl = await emulator.start();
    workspace = buildWorkspace(emulator);
    config = testConfig({
      NOTION_API_URL: apiUrl,
      NOTION_TOKEN: token,
      NOTION_DATABASE_IDS: workspace.databaseId,
      // The real 3/s would make this file take minutes; the throttle has its own test.
      NOTION_REQUESTS_PER_SECOND: '100',
      S3_BUCKET: uniqueName('collect'),
      MONGODB_DATABASE: uniqueName('collect').replace('-', '_'),
    });
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    mongo = await connectMongo(config.mongodb);
  });
  // Registered after the set-up above (it needs the emulator's URL) and before the tear-down
  // (hooks run in order), so the worker stops before the emulator does.
  const harness = useOfflineWorker({ config: () => config, taskQueue });

  after(async () => {
    await mongo?.close();
    storage?.close();
    await emulator.stop();
  });

  it('collects every page across result pages, survives a 429 and lists the unshared page', async () => {
    const rateLimitedPage = workspace.leafPageIds[5]!;
    emulator.failNextRequest(rateLimitedPage, {
      status: 429,
      code: 'rate_limited',
      message: 'You have been rate limited. Please try again in a few minutes.',
      headers: { 'retry-after': '2' },
    });

    const result = await collect();

    assert.equal(result.databases, 1);
    assert.equal(result.pagesSeen, workspace.totalPages);
    assert.equal(result.pagesChanged, workspace.totalPages);
    assert.equal(result.written, workspace.totalPages - 1);
    // The database query took two result pages (Notion returns at most 100).
    const queries = emulator.requests.filter((request) => request.path.includes('/query'));
    assert.equal(queries.length, 2);

    // The unshared page fails alone, with a clear message, and is not retried.
    assert.equal(result.failed.length, 1);
    const failure = result.failed[0] as { pageId: string; title: string; error: string };
    assert.equal(failure.pageId, normalizeNotionId(workspace.unsharedPageId));
    assert.equal(failure.title, 'Private page');
    assert.match(
      failure.error,
      /^Page "Private page" \([0-9a-f]{32}\) was not collected: .*not found, or not shared with the Notion integration/,
    );
    assert.equal(emulator.requestsFor(workspace.unsharedPageId).length, 1);

    // The 429 was retried after Retry-After (2 s), not the policy's 1 s initial interval.
    const limited = emulator.requestsFor(rateLimitedPage);
    const rejected = limited.findIndex((request) => request.status === 429);
    assert.ok(rejected >= 0);
    const retried = limited[rejected + 1]!;
    assert.equal(retried.status, 200);
    assert.ok(retried.at - limited[rejected]!.at >= 1_900, `${retried.at - limited[rejected]!.at}`);
    assert.match((await stored(rateLimitedPage)).content, /tools\.example\.com\/5/);
    // The retried batch skipped the pages its first attempt had already stored.
    for (const pageId of workspace.leafPageIds.slice(0, 5))
      // Block children of the page and of its toggle heading, and comments: each once.
      assert.equal(emulator.requestsFor(pageId).length, 3);

    // Blocks across two result pages of children (150 > 100).
    const long = await stored(workspace.longPageId);
    assert.match(long.content, /^Line 0\n\nLine 1\n/);
    assert.match(long.content, /Line 149$/);

    const keys: string[] = [];
    for await (const key of storage.listKeys('documents/')) keys.push(key);
    assert.equal(keys.length, workspace.totalPages - 1);
    const manifest = (await storage.getJson(result.manifestKey)) as {
      failed: unknown[];
      documentIds: string[];
    };
    assert.equal(manifest.failed.length, 1);
    // The ETL of this run (source kind "collect") reads these ids.
    assert.equal(manifest.documentIds.length, result.written);
  });

  it('renders every block type, properties, comments and normalized child_urls', async () => {
    const notes = await stored(workspace.notesPageId);
    assert.equal(notes.metadata.title, 'Notes');
    assert.deepEqual(notes.metadata.properties, { Type: ['Node'] });
    assert.equal(notes.parent_metadata?.id, normalizeNotionId(workspace.databaseId));
    assert.equal(notes.source, 'notion');
    assert.equal(notes.content_quality_score, null);
    const expected = [
      '# Resources\n\n## Articles\n\n### Details',
      'Plain, **bold**, *italic*, `code`, ~~struck~~, a [link](https://Example.com/Article?utm_source=notion&id=7#intro)',
      `[Leaf 3](https://www.notion.so/${normalizeNotionId(workspace.leafPageIds[3]!)})`,
      '- Level 1\n\t- Level 2\n\t\t- Level 3',
      '1. First\n2. Second\n\t1. Second, nested',
      '- [x] Done task\n- [ ] Open task',
      'Tools toggle\n\t[https://github.com/ekzhu/datasketch](https://github.com/ekzhu/datasketch)\n\t\n\tInner toggle\n\t\t[Deepest](https://deep.example.org/x?fbclid=abc)',
      '> A quoted line',
      '> 💡 Remember this',
      '```python\nprint("hello")\n```',
      '$$\ne = mc^2\n$$',
      '\n---\n',
      '![A diagram](https://images.example.com/diagram.png)',
      '[paper.pdf](https://files.example.com/paper.pdf)',
      '[Link Preview](https://github.com/pydantic/pydantic-ai)',
      '[Embed](https://www.youtube.com/watch?v=abc)',
      '| Tool | Use |\n| --- | --- |\n| vLLM | serving |',
      'Left column\n\nRight column',
      // The original synced block and its copy (whose children live under the original).
      'Synced content\n\nSynced content',
      '<child_page>\n# Agents Memory\n\nChild page text\n\n<child_page>\n# Grandchild page\n\nTwo levels of child pages down.\n</child_page>\n</child_page>',
      `[Database: Reading list](https://www.notion.so/`,
      '[Unsupported Notion block: ai_meeting_notes_v9]',
    ];
    for (const snippet of expected) assert.ok(notes.content.includes(snippet), snippet);
    assert.ok(notes.child_urls.includes('https://example.com/Article?id=7'));
    assert.ok(notes.child_urls.includes('https://deep.example.org/x'));
    assert.ok(notes.child_urls.includes('https://arxiv.org/abs/2201.11903'));
    assert.equal(new Set(notes.child_urls).size, notes.child_urls.length);
    assert.ok(notes.child_urls.every((url) => /^https?:\/\//.test(url) && !url.includes('#')));
    assert.equal(notes.comments?.length, 2);
    assert.equal(
      notes.comments?.[1]?.text,
      'See also https://arxiv.org/abs/2201.11903?utm_campaign=batch',
    );
    assert.match(notes.contentHash ?? '', /^[0-9a-f]{64}$/);
  });

  it('refetching unchanged pages rewrites nothing: the same content gives the same object', async () => {
    const before = await stored(workspace.leafPageIds[0]!);
    const result = await collect({ since: '2000-01-01T00:00:00Z' });
    assert.equal(result.pagesChanged, workspace.totalPages);
    assert.equal(result.written, 0);
    assert.equal(result.unchanged, workspace.totalPages - 1);
    const after = await stored(workspace.leafPageIds[0]!);
    assert.equal(after.collectedAt, before.collectedAt);
  });

  it('an incremental run after editing one page refetches only that page', async () => {
    const edited = workspace.leafPageIds[7]!;
    emulator.editPage(edited, [
      block('paragraph', {
        rich_text: [text('Edited in Notion', { bold: true })],
        color: 'default',
      }),
    ]);
    const mark = emulator.requests.length;

    const result = await collect();

    const counts = requestsPerPage(mark);
    // Only the edited page, plus the unshared one that never succeeded, were asked for again.
    assert.deepEqual(
      [...counts.keys()].sort(),
      [normalizeNotionId(edited), normalizeNotionId(workspace.unsharedPageId)].sort(),
    );
    assert.equal(counts.get(normalizeNotionId(edited)), 2); // block children + comments
    assert.equal(result.pagesChanged, 2);
    assert.equal(result.written, 1);
    assert.equal((await stored(edited)).content, '**Edited in Notion**');
  });

  it('marks archived and deleted pages as archived instead of leaving them behind', async () => {
    const archived = workspace.leafPageIds[9]!;
    const deleted = workspace.leafPageIds[10]!;
    emulator.archivePage(archived);
    emulator.deletePage(deleted);
    const mark = emulator.requests.length;
    const result = await collect();
    assert.equal(result.archived, 2);
    assert.equal(result.pagesSeen, workspace.totalPages - 2);
    for (const [pageId, index] of [
      [archived, 9],
      [deleted, 10],
    ] as const) {
      const document = await stored(pageId);
      assert.equal(document.archived, true);
      assert.match(document.content, new RegExp(`tools\\.example\\.com/${index}`));
    }
    // It asked Notion about each page (pages.retrieve) to tell archived from deleted.
    const retrieved = emulator.requests
      .slice(mark)
      .filter((request) => request.path.startsWith('/v1/pages/'));
    assert.deepEqual(retrieved.map((request) => request.status).sort(), [200, 404]);
    // A later run does not mark them again.
    assert.equal((await collect()).archived, 0);
  });

  it('a cursor stored before data sources (keyed by the database) is honoured, then replaced per data source', async () => {
    const databaseId = normalizeNotionId(workspace.databaseId);
    // The earlier runs keyed the cursor by the database's data source.
    const current = await cursors().find({ databaseId }).toArray();
    assert.equal(current.length, 1);
    assert.notEqual(current[0]!._id, databaseId);
    // What a run of the previous version left behind: one cursor under the database id, at
    // the minute every fixture page was last edited.
    await cursors().deleteMany({ databaseId });
    await cursors().insertOne({
      _id: databaseId,
      cursor: '2025-01-10T09:30:00.000Z',
      runId: 'before-data-sources',
      updatedAt: new Date(),
    });

    const migrated = await collect();
    // The legacy cursor applied to the data source: every live page was edited at or after it.
    assert.equal(migrated.pagesChanged, migrated.pagesSeen);
    assert.equal(migrated.written, 0);
    const after = await cursors()
      .find({ $or: [{ _id: databaseId }, { databaseId }] })
      .toArray();
    assert.deepEqual(
      after.map((record) => record._id),
      [current[0]!._id],
      'the legacy cursor gave way to the data source one',
    );
    assert.equal(after[0]!.runId, migrated.runId);

    // And the next run starts from the data source's own cursor: the never-stored page, plus
    // the page edited earlier in this file when that edit fell in the cursor's minute.
    const next = await collect();
    assert.ok(next.pagesChanged >= 1 && next.pagesChanged <= 2, String(next.pagesChanged));
  });

  it('collects every data source of a multi-source database, each with its own cursor', async () => {
    const databaseId = randomUUID();
    const [tools, papers] = emulator.addDatabase(databaseId, [
      { name: 'Tools' },
      { name: 'Papers' },
    ]);
    const toolPages = ['vLLM', 'Qdrant', 'Temporal'].map((title) => {
      const entry = page(databaseId, title, 'Leaf');
      emulator.addPage(tools!, entry, [paragraph(text(`${title} notes`))]);
      return entry;
    });
    const paperPages = ['Retrieval-augmented generation', 'Chain-of-thought'].map((title) => {
      const entry = page(databaseId, title, 'Node');
      emulator.addPage(papers!, entry, [paragraph(text(`${title} summary`))]);
      return entry;
    });
    const mark = emulator.requests.length;

    const first = await collect({ databaseIds: [databaseId] });
    assert.equal(first.databases, 1);
    assert.equal(first.pagesSeen, 5);
    assert.equal(first.written, 5);
    assert.deepEqual(first.failed, []);
    const queried = emulator.requests
      .slice(mark)
      .filter((request) => request.path.endsWith('/query'))
      .map((request) => request.path.replaceAll('-', ''));
    assert.deepEqual(
      queried.sort(),
      [`/v1/data_sources/${papers}/query`, `/v1/data_sources/${tools}/query`]
        .map((path) => path.replaceAll('-', ''))
        .sort(),
    );
    const paper = await stored(paperPages[0]!.id);
    assert.equal(paper.content, 'Retrieval-augmented generation summary');
    assert.equal(paper.parent_metadata?.id, normalizeNotionId(databaseId));
    const sourceCursors = await cursors()
      .find({ databaseId: normalizeNotionId(databaseId) })
      .toArray();
    assert.deepEqual(sourceCursors.map((record) => record._id).sort(), [papers, tools].sort());

    // An edit in one data source refetches that page only.
    emulator.editPage(paperPages[1]!.id, [paragraph(text('Edited: think step by step'))]);
    const editMark = emulator.requests.length;
    const second = await collect({ databaseIds: [databaseId] });
    assert.equal(second.pagesChanged, 1);
    assert.equal(second.written, 1);
    assert.deepEqual([...requestsPerPage(editMark).keys()], [normalizeNotionId(paperPages[1]!.id)]);

    // A data source added later is discovered on the next run.
    const notes = emulator.addDataSource(databaseId, 'Notes');
    const note = page(databaseId, 'Reading notes', 'Leaf');
    emulator.addPage(notes, note, [paragraph(text('Feature, training, inference pipelines'))]);
    const third = await collect({ databaseIds: [databaseId] });
    assert.equal(third.pagesSeen, 6);
    assert.equal(third.written, 1);
    assert.match((await stored(note.id)).content, /inference pipelines/);

    // A data source no longer shared fails alone: the others are listed, its cursor stays,
    // and its pages are not mistaken for deleted ones.
    const toolsCursor = await cursors().findOne({ _id: tools! });
    emulator.unshareContainer(tools!);
    const fourth = await collect({ databaseIds: [databaseId] });
    assert.equal(fourth.pagesSeen, 3);
    assert.equal(fourth.archived, 0);
    assert.equal(fourth.failed.length, 1);
    const failure = fourth.failed[0] as { dataSourceId?: string; error: string };
    assert.equal(failure.dataSourceId, tools);
    assert.match(failure.error, /not shared with the Notion integration/);
    assert.deepEqual(await cursors().findOne({ _id: tools! }), toolsCursor);
    assert.equal((await stored(toolPages[0]!.id)).archived, undefined);
    assert.notEqual((await cursors().findOne({ _id: papers! }))?.runId, toolsCursor?.runId);
  });

  it('a data source id configured directly collects that data source', async () => {
    const databaseId = randomUUID();
    const [, second] = emulator.addDatabase(databaseId, [{ name: 'First' }, { name: 'Second' }]);
    const entry = page(databaseId, 'Only this one', 'Leaf');
    emulator.addPage(second!, entry, [paragraph(text('Picked by its data source id'))]);
    const result = await collect({ databaseIds: [second!] });
    assert.equal(result.pagesSeen, 1);
    assert.equal(result.written, 1);
    assert.equal((await stored(entry.id)).parent_metadata?.id, normalizeNotionId(databaseId));
  });

  it('runs from a Temporal schedule with {} as input', async () => {
    const scheduleId = uniqueName('collect-schedule');
    const schedule = await harness.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 hour' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'collectNotionData',
        taskQueue,
        args: [{}],
      },
      state: { paused: true },
    });
    try {
      await schedule.trigger();
      let workflowId: string | undefined;
      for (let attempt = 0; attempt < 100 && workflowId === undefined; attempt++) {
        const description = await schedule.describe();
        workflowId = description.info.recentActions[0]?.action.workflow.workflowId;
        if (workflowId === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(workflowId, 'the schedule started a run');
      const result = (await harness.client.workflow
        .getHandle(workflowId)
        .result()) as CollectNotionDataResult;
      assert.equal(result.databases, 1);
      assert.equal(result.written, 0);
    } finally {
      await schedule.delete();
    }
  });

  it('rejects an invalid input with a ValidationError naming the field', async () => {
    const handle = await startPipeline(harness.client, 'collect', {
      input: { maxDepth: 'deep' },
      taskQueue,
    });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'ValidationError');
      assert.match(error.cause.message, /maxDepth: /);
      return true;
    });
  });
});
