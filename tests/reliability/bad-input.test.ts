// Bad input is contained: each bad input ends in a clear, named error or reason, the rest of the
// run proceeds, and nothing already stored is lost or changed. End to end through workflows on
// the real servers: garbage, huge, binary, slow-loris and invalid UTF-8 pages in an ETL run; LLM
// replies that are not JSON or break the schema (the real openai SDK against its emulator);
// invalid workflow inputs for every workflow type; invalid files on import; malformed and
// unknown Notion blocks (the real Notion SDK against its emulator).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createOfflineActivities } from '../../workers/offline-activities.js';
import type { RawDocument } from '../../integrations/mongo/stores/raw-documents.js';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { Config } from '../../config/environment.js';
import { normalizeNotionId } from '../../domain/document.js';
import type { EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import { documentKey, runManifestKey } from '../../domain/storage-layout.js';
import type { WORKFLOW_INPUT_SCHEMAS } from '../../domain/workflow-inputs.js';
import { importDocuments } from '../../integrations/import/document-importer.js';
import { createOpenAIChatModel } from '../../integrations/llm/openai-chat-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createNotionGateway } from '../../integrations/notion/notion-client.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import type { CollectNotionDataResult } from '../../workflows/collect-notion-data.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import { createWorker, type RunningWorker } from '../../workers/create-worker.js';
import { NotionEmulator } from '../emulators/notion-emulator.js';
import { block, page, paragraph, text } from '../emulators/notion-fixtures.js';
import {
  OPENAI_EMULATOR_KEY,
  createOpenAIEmulator,
  openAIChatReply,
} from '../emulators/openai-emulator.js';
import type { RecordedRequest } from '../emulators/scripted-http-server.js';
import { writeEtlSource } from '../support/etl-run-state.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';
import { recordBadInputs } from '../support/reliability-figures.js';
import { createScriptedChatModel } from '../support/scripted-chat-model.js';
import { sampleDocumentsDirectory, testConfig, uniqueName } from '../support/test-environment.js';

/** The emulated model scores pages, except the two whose replies are broken on purpose. */
function scoringReply(request: RecordedRequest) {
  const { model, messages } = request.body as { model: string; messages: { content: string }[] };
  const prompt = messages.map((message) => message.content).join('\n');
  if (prompt.includes('llm-not-json'))
    return openAIChatReply({ model, content: 'This page looks fairly good, I would say 0.7.' });
  if (prompt.includes('llm-bad-schema'))
    return openAIChatReply({ model, content: '{"score": 7, "verdict": "great"}' });
  return openAIChatReply({ model, content: '{"score": 0.8, "reason": "A clear article."}' });
}

describe('bad input is contained', () => {
  const notionToken = 'secret_bad_input_integration_token';
  const notion = new NotionEmulator(notionToken);
  const databaseId = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
  const openai = createOpenAIEmulator({ chat: scoringReply });
  const taskQueue = uniqueName('bad-input');
  const agentQueue = uniqueName('bad-input-agent');
  let config: Config;
  let site: TestSite;
  let storage: ObjectStorage;
  let mongo: MongoDatabase;
  let client: Client;
  const workers: RunningWorker[] = [];

  before(async () => {
    const notionUrl = await notion.start();
    notion.addDatabase(databaseId);
    await openai.start();
    site = await startTestSite();
    config = testConfig({
      NOTION_API_URL: notionUrl,
      NOTION_TOKEN: notionToken,
      NOTION_DATABASE_IDS: databaseId,
      NOTION_REQUESTS_PER_SECOND: '100',
      S3_BUCKET: uniqueName('bad-input'),
      MONGODB_DATABASE: uniqueName('bad_input').replace('-', '_'),
    });
    storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    mongo = await connectMongo(config.mongodb);
    const llm = createOpenAIChatModel({
      model: 'gpt-4o-mini',
      apiKey: OPENAI_EMULATOR_KEY,
      baseUrl: `${openai.url}/v1`,
      contextSize: 8192,
      timeoutMs: 5_000,
    });
    workers.push(
      await createWorker(config, {
        taskQueue,
        workflows: 'offline',
        activities: createOfflineActivities({
          config,
          storage,
          mongo,
          notion: createNotionGateway(config.notion),
          llm,
          crawlRetryBackoffMs: 100,
        }),
      }),
      await createAgentWorker(config, { taskQueue: agentQueue, llm: createScriptedChatModel() }),
    );
    for (const worker of workers) void worker.run();
    client = await connectClient(config);
  });
  after(async () => {
    for (const worker of workers) await worker.shutdown();
    await client?.connection.close();
    await mongo?.db.dropDatabase().catch(() => undefined);
    await mongo?.close();
    storage?.close();
    await site?.close();
    await openai.stop();
    await notion.stop();
  });

  it('an ETL run with garbage, huge, binary, slow-loris and invalid UTF-8 pages and broken LLM replies stores the rest and changes nothing stored', async () => {
    const o = site.origin;
    const good = [1, 2, 3, 4].map((index) => `${o}/article/bad-input-good-${index}`);
    /** Runs the ETL over source documents; the run's manifest lists them by id. */
    const etl = async (label: string, documentIds: string[]) => {
      const importRunId = uniqueName(label);
      await storage.putJson(runManifestKey('import', importRunId), { documentIds });
      const handle = await startPipeline(client, 'etl', {
        input: {
          source: { kind: 'import', runId: importRunId },
          crawl: {
            allowedHosts: ['127.0.0.1'],
            timeoutSecs: 2,
            maxRetries: 1,
            maxPageBytes: 1_000_000,
          },
        },
        taskQueue,
        trigger: 'test',
      });
      return (await handle.result()) as EtlResult;
    };
    const raw = mongo.db.collection<RawDocument>(COLLECTIONS.raw);

    // First the good pages alone, scored by the model.
    const goodSource = (await writeEtlSource(storage, 'bad-input-good', good)).documents;
    const first = await etl(
      'bad-input-good',
      goodSource.map((document) => document.id),
    );
    assert.equal(first.crawled, good.length, JSON.stringify(first));
    assert.equal(first.scoredByLlm, good.length + 1, 'the pages and their source document');
    const storedBefore = await raw.find({}).sort({ _id: 1 }).toArray();
    assert.equal(storedBefore.length, good.length + 1);

    // Then the same pages with bad ones among them, and a source document that is not one.
    const bad = {
      garbage: `${o}/garbage`,
      huge: `${o}/huge-chunked`,
      binary: `${o}/binary`,
      slowLoris: `${o}/slow-loris`,
      invalidUtf8: `${o}/invalid-utf8`,
      notJson: `${o}/article/llm-not-json`,
      badSchema: `${o}/article/llm-bad-schema`,
    };
    const invalidId = 'badbadbadbadbadbadbadbadbadbad00';
    await storage.putJson(documentKey(invalidId), { id: invalidId, content: 42 });
    const badSource = (await writeEtlSource(storage, 'bad-input-bad', Object.values(bad)))
      .documents;
    const second = await etl('bad-input-mixed', [
      ...[...goodSource, ...badSource].map((document) => document.id),
      invalidId,
    ]);

    const report = (await storage.getJson(second.failureReportKey)) as {
      failures: Array<{ url: string; reason: string; message: string }>;
    };
    const reasonOf = (url: string) => report.failures.find((entry) => entry.url === url);
    assert.equal(reasonOf(bad.garbage)?.reason, 'extraction-error');
    assert.match(reasonOf(bad.garbage)!.message, /not text/);
    assert.equal(reasonOf(bad.huge)?.reason, 'too-large');
    assert.equal(reasonOf(bad.binary)?.reason, 'unsupported-content-type');
    assert.equal(reasonOf(bad.slowLoris)?.reason, 'timeout');
    assert.equal(reasonOf(documentKey(invalidId))?.reason, 'invalid-document');
    assert.match(reasonOf(documentKey(invalidId))!.message, /content/);
    assert.equal(report.failures.length, 5);
    assert.equal(second.failed, 5);

    // Invalid UTF-8 is decoded around the bad bytes: the readable text is kept.
    const utf8Page = await raw.findOne({ 'metadata.url': bad.invalidUtf8 });
    assert.match(utf8Page?.content ?? '', /Readable text survives invalid bytes/);
    // Broken model replies keep the score null, with the reason recorded; the rest are scored.
    assert.equal(second.invalidLlmReplies, 2);
    for (const url of [bad.notJson, bad.badSchema]) {
      const document = await raw.findOne({ 'metadata.url': url });
      assert.equal(document?.content_quality_score, null, url);
      assert.match(document?.qualityReason ?? '', /invalid LLM reply: .*(JSON|score)/, url);
    }
    assert.equal(
      (await raw.findOne({ 'metadata.url': bad.invalidUtf8 }))?.qualityScoreSource,
      'llm',
    );

    // What was stored before is byte for byte what is stored now.
    const storedAfter = await raw
      .find({ _id: { $in: storedBefore.map((document) => document._id) } })
      .sort({ _id: 1 })
      .toArray();
    assert.deepEqual(storedAfter, storedBefore);

    await recordBadInputs({
      category: 'HTTP responses (ETL run)',
      inputs: [
        'garbage bytes as HTML',
        'huge chunked body',
        'binary',
        'slow-loris body',
        'invalid UTF-8',
      ],
      namedErrors: 4,
      storedChecked: storedBefore.length,
      storedChanged: 0,
    });
    await recordBadInputs({
      category: 'LLM replies (OpenAI emulator)',
      inputs: ['not JSON', 'JSON breaking the schema'],
      namedErrors: second.invalidLlmReplies,
      storedChecked: storedBefore.length,
      storedChanged: 0,
    });
  });

  it('an invalid input fails every workflow type at once with a non-retryable ValidationError naming the field', async () => {
    const cases: Record<keyof typeof WORKFLOW_INPUT_SCHEMAS, [unknown, string]> = {
      roundTrip: [{ message: 42 }, 'message'],
      ragIndex: [{ chunkSize: 'large' }, 'chunkSize'],
      collectNotionData: [{ maxDepth: -1 }, 'maxDepth'],
      refreshKnowledgeBase: [{ collect: { batchSize: 0 } }, 'collect.batchSize'],
      generateDataset: [{ splits: { train: 0.5, validation: 0.1, test: 0.1 } }, 'splits'],
      etl: [{ crawl: { timeoutSecs: 0 } }, 'crawl.timeoutSecs'],
      fineTune: [{ timeoutMinutes: 0 }, 'timeoutMinutes'],
      evaluate: [{ limit: 0 }, 'limit'],
      summarizerEndpoint: [{ idlePauseMinutes: 0 }, 'idlePauseMinutes'],
      conversation: [{ maxSteps: 0 }, 'maxSteps'],
    };
    for (const [workflowType, [input, field]] of Object.entries(cases)) {
      const handle = await client.workflow.start(workflowType, {
        taskQueue: workflowType === 'conversation' ? agentQueue : taskQueue,
        workflowId: uniqueName(`invalid-${workflowType}`),
        args: [input],
      });
      await assert.rejects(handle.result(), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError, workflowType);
        assert.ok(error.cause instanceof ApplicationFailure, workflowType);
        assert.equal(error.cause.type, 'ValidationError', workflowType);
        assert.equal(error.cause.nonRetryable, true, workflowType);
        assert.match(
          error.cause.message,
          new RegExp(`${field.replace('.', '\\.')}: `),
          workflowType,
        );
        return true;
      });
    }
    await recordBadInputs({
      category: 'Workflow inputs',
      inputs: Object.keys(cases),
      namedErrors: Object.keys(cases).length,
      storedChecked: 0,
      storedChanged: 0,
    });
  });

  it('invalid files on import are named one by one, the valid ones imported, stored documents untouched', async () => {
    const samples = sampleDocumentsDirectory();
    const [firstSample, ...otherSamples] = readdirSync(samples)
      .filter((name) => name.endsWith('.json'))
      .sort();
    const stored = await importDocuments(storage, path.join(samples, firstSample!));
    assert.equal(stored.imported + stored.skipped, 1);
    const valid = JSON.parse(readFileSync(path.join(samples, firstSample!), 'utf8')) as {
      id: string;
    };
    const before = await storage.getJson(documentKey(valid.id));

    const folder = mkdtempSync(path.join(os.tmpdir(), 'second-brain-bad-import-'));
    mkdirSync(path.join(folder, 'exports'));
    for (const name of otherSamples.slice(0, 2))
      writeFileSync(path.join(folder, 'exports', name), readFileSync(path.join(samples, name)));
    const invalid: Record<string, Buffer | string> = {
      'corrupt.zip': Buffer.from('PK\u0003\u0004 this is not really a zip archive'),
      'binary.json': Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47]),
      'latin1.json': Buffer.concat([
        Buffer.from('{"id": "'),
        Buffer.from([0xe9, 0xe8]),
        Buffer.from('"}'),
      ]),
      'empty.json': '',
      'array.json': '[1, 2, 3]',
      // The id of the stored document with broken content: it must not overwrite it.
      'same-id-broken.json': JSON.stringify({ ...valid, content: null }),
    };
    for (const [name, bytes] of Object.entries(invalid))
      writeFileSync(path.join(folder, name), bytes);
    const result = await importDocuments(storage, folder);
    assert.equal(result.imported + result.skipped, 2);
    const errors = new Map(result.failed.map((failure) => [failure.file, failure.error]));
    assert.deepEqual([...errors.keys()].sort(), Object.keys(invalid).sort());
    assert.match(errors.get('corrupt.zip')!, /not a readable zip archive/);
    assert.match(errors.get('binary.json')!, /not valid UTF-8/);
    assert.match(errors.get('latin1.json')!, /not valid UTF-8/);
    assert.match(errors.get('empty.json')!, /not valid JSON/);
    assert.match(errors.get('array.json')!, /expected object/);
    assert.match(errors.get('same-id-broken.json')!, /^content: /);
    assert.deepEqual(await storage.getJson(documentKey(valid.id)), before);
    await recordBadInputs({
      category: 'Files on import',
      inputs: [
        'corrupt zip',
        'binary file',
        'invalid UTF-8',
        'empty file',
        'JSON array',
        'broken document over a stored one',
      ],
      namedErrors: result.failed.length,
      storedChecked: 1,
      storedChanged: 0,
    });
  });

  it('malformed and unknown Notion blocks are reported, the other pages collected, stored pages untouched', async () => {
    const healthy = page(databaseId, 'Healthy page', 'Leaf');
    notion.addPage(databaseId, healthy, [paragraph(text('A healthy page that stays as it is.'))]);
    const collect = async () => {
      const handle = await startPipeline(client, 'collect', {
        input: { since: '2000-01-01T00:00:00Z' },
        taskQueue,
        trigger: 'test',
      });
      return (await handle.result()) as CollectNotionDataResult;
    };
    const first = await collect();
    assert.equal(first.written, 1);
    const healthyKey = documentKey(normalizeNotionId(healthy.id));
    const before = await storage.getJson(healthyKey);

    const malformed = page(databaseId, 'Malformed blocks', 'Leaf');
    const withoutPayload = block('paragraph', {});
    delete withoutPayload.paragraph;
    notion.addPage(databaseId, malformed, [
      paragraph(text('Readable text before the broken blocks.')),
      withoutPayload,
      block('heading_1', { rich_text: null }),
      block('bulleted_list_item', { rich_text: 'not a list of rich text' }),
      block('code', { rich_text: [{ type: 'text' }], language: 42 }),
      block('table', { table_width: 2, has_column_header: true }, [
        block('table_row', { cells: 'not cells' }),
      ]),
      block('transcription_v2', { anything: true }),
      block('', {}),
      paragraph(text('Readable text after the broken blocks.')),
    ]);
    const second = await collect();
    assert.equal(second.pagesSeen, 2);
    assert.deepEqual(await storage.getJson(healthyKey), before, 'the stored page is untouched');
    assert.deepEqual(second.failed, [], 'a malformed block never costs the whole page');
    const stored = (await storage.getJson(documentKey(normalizeNotionId(malformed.id)))) as {
      content: string;
    };
    // Rendered with what could be read, and a placeholder naming each block it could not.
    assert.match(stored.content, /Readable text before the broken blocks/);
    assert.match(stored.content, /Readable text after the broken blocks/);
    assert.match(stored.content, /\[Unsupported Notion block: transcription_v2\]/);
    assert.match(stored.content, /\[Malformed Notion block: bulleted_list_item\]/);
    assert.match(stored.content, /\[Malformed Notion block: table\]/);
    assert.ok(second.warnings >= 3, `warnings: ${second.warnings}`);
    await recordBadInputs({
      category: 'Notion blocks (Notion emulator)',
      inputs: [
        'block without payload',
        'null rich text',
        'rich text not a list',
        'rich text item without content',
        'table row without cells',
        'unknown block type',
        'empty block type',
      ],
      namedErrors: second.warnings + second.failed.length,
      storedChecked: 1,
      storedChanged: 0,
    });
  });
});
