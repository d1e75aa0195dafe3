// Secrets never reach logs, traces or workflow payloads. A real `second-brain worker offline`
// process runs refresh (collect from the Notion emulator, ETL with LLM scoring through the
// OpenAI emulator, RAG indexing with LLM contexts) and a dataset pushed to the Hugging Face Hub
// emulator, with canary values in every secret setting. Each emulator checks it received its
// canary (so the secrets were really in use); then the worker's output, the full history of
// every workflow execution and every MongoDB collection the runs wrote are scanned for them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { QUALITY_SCORE_SCHEMA_NAME } from '../../domain/quality-scoring.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import {
  startHuggingFaceHubEmulator,
  type HuggingFaceHubEmulator,
} from '../emulators/huggingface-hub-emulator.js';
import { NotionEmulator } from '../emulators/notion-emulator.js';
import { page, paragraph, text } from '../emulators/notion-fixtures.js';
import {
  createOpenAIEmulator,
  openAIChatReply,
  openAIError,
} from '../emulators/openai-emulator.js';
import type { RecordedRequest } from '../emulators/scripted-http-server.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';
import { recordScenario } from '../support/reliability-figures.js';
import { testConfig, uniqueName } from '../support/test-environment.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const canary = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;
const CANARIES = {
  NOTION_TOKEN: canary('secret_canaryNotion'),
  OPENAI_API_KEY: canary('sk-canaryOpenAI'),
  HF_TOKEN: canary('hf_canaryHub'),
  API_TOKEN: canary('canary-api-token-'),
};

function chatReply(request: RecordedRequest) {
  const body = request.body as {
    model: string;
    response_format?: { json_schema?: { name?: string } };
  };
  const structured = body.response_format?.json_schema?.name;
  if (structured === QUALITY_SCORE_SCHEMA_NAME)
    return openAIChatReply({ model: body.model, content: '{"score":0.9,"reason":"Clear."}' });
  if (structured)
    return openAIChatReply({ model: body.model, content: '{"summary":"Durable workflows."}' });
  return openAIChatReply({
    model: body.model,
    content: '## TL;DR\n\nDurable workflows retry failed activities and resume after a crash.',
  });
}

/** Every string in a history, with payload bytes decoded (they hold JSON text). */
function historyText(value: unknown): string {
  const parts: string[] = [];
  const visit = (node: unknown) => {
    if (node === null || node === undefined) return;
    if (typeof node === 'string') parts.push(node);
    else if (node instanceof Uint8Array) parts.push(Buffer.from(node).toString('utf8'));
    else if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object') Object.values(node).forEach(visit);
  };
  visit(value);
  return parts.join('\n');
}

describe('canary secrets never appear in logs, histories or stored data', () => {
  const notion = new NotionEmulator(CANARIES.NOTION_TOKEN);
  const openai = createOpenAIEmulator({ apiKey: CANARIES.OPENAI_API_KEY, chat: chatReply });
  const databaseId = '1a2b3c4d5e6f708192a3b4c5d6e7f801';
  const taskQueue = uniqueName('canary');
  const database = uniqueName('canary').replace('-', '_');
  const bucket = uniqueName('canary');
  let hub: HuggingFaceHubEmulator;
  let site: TestSite;
  let worker: WorkerProcess | undefined;
  let client: Client;
  let mongo: MongoDatabase;

  before(async () => {
    site = await startTestSite();
    const notionUrl = await notion.start();
    notion.addDatabase(databaseId);
    for (const name of ['alpha', 'beta']) {
      const entry = page(databaseId, `Canary ${name}`, 'Leaf');
      notion.addPage(databaseId, entry, [
        paragraph(text(`Notes about durable workflows, part ${name}.`)),
        paragraph(text('Source', { link: `${site.origin}/article/canary-${name}` })),
      ]);
    }
    // One page refuses access, so error paths (whose messages reach histories) run too.
    const refused = page(databaseId, 'Canary refused', 'Leaf');
    notion.addPage(databaseId, refused, [paragraph(text('Never read.'))]);
    notion.failNextRequest(refused.id, {
      status: 403,
      code: 'restricted_resource',
      message: 'Insufficient permissions for this endpoint.',
      headers: {},
    });
    await openai.start();
    hub = await startHuggingFaceHubEmulator({ token: CANARIES.HF_TOKEN });
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      ...CANARIES,
      LOG_LEVEL: 'debug',
      MONGODB_DATABASE: database,
      S3_BUCKET: bucket,
      NOTION_API_URL: notionUrl,
      NOTION_DATABASE_IDS: databaseId,
      NOTION_REQUESTS_PER_SECOND: '100',
      LLM_PROVIDER: 'openai',
      LLM_MODEL: 'gpt-4o-mini',
      LLM_BASE_URL: `${openai.url}/v1`,
      HF_HUB_URL: hub.url,
    };
    const storage = createObjectStorage(testConfig({ S3_BUCKET: bucket }).s3);
    await storage.ensureBucket();
    storage.close();
    worker = await startWorkerProcess('offline', environment, {
      taskQueue,
      readyTimeoutMs: 120_000,
    });
    client = await connectClient(testConfig());
    mongo = await connectMongo(testConfig({ MONGODB_DATABASE: database }).mongodb);
  });
  /** A failed run's innermost cause and the worker's output, to see why. */
  function explain(error: unknown): never {
    let cause = error;
    while ((cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause;
    throw new Error(`${String(cause)}\n${worker?.output() ?? ''}`, { cause: error });
  }
  after(async () => {
    await worker?.kill();
    await client?.connection.close();
    await mongo?.close();
    await hub?.close();
    await openai.stop();
    await notion.stop();
    await site?.close();
  });

  it('refresh (collect, ETL, RAG) and a dataset pushed to the Hub leak no canary', async () => {
    const started = Date.now();
    const refresh = await startPipeline(client, 'refresh', {
      input: {
        etl: { crawl: { allowedHosts: ['127.0.0.1'] } },
        rag: { contextualMode: 'simple', embeddingProvider: 'hashing' },
      },
      taskQueue,
      trigger: 'test',
    });
    await refresh.result().catch(explain);
    const dataset = await startPipeline(client, 'dataset', {
      input: {
        push: true,
        hubRepo: 'canary/second-brain-summarization',
        augmentationLoops: 1,
        minQualityScore: 0,
      },
      taskQueue,
      trigger: 'test',
    });
    await dataset.result().catch(explain);

    // Error paths: each service refuses, echoing the secret it received in its error body (as
    // a careless proxy would); the failure messages, stacks, histories and traces must not.
    const settle = (promise: Promise<unknown>) =>
      promise.then(
        () => 'completed',
        (error: unknown) => String(error),
      );
    const notionRequestsBefore = notion.requests.length;
    notion.refuseAll(500);
    const collect500 = await startPipeline(client, 'collect', {
      input: {},
      taskQueue,
      trigger: 'test',
    });
    // Transient: retried; once a 500 was answered, Notion recovers and the run completes.
    while (!notion.requests.slice(notionRequestsBefore).some((request) => request.status === 500))
      await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    notion.refuseAll(undefined);
    await settle(collect500.result());
    notion.refuseAll(401);
    const collect401 = await startPipeline(client, 'collect', {
      input: {},
      taskQueue,
      trigger: 'test',
    });
    const collectOutcome = await settle(collect401.result());
    notion.refuseAll(undefined);
    assert.ok(
      notion.requests.slice(notionRequestsBefore).some((request) => request.status === 401),
      `Notion refused with 401 (${collectOutcome})`,
    );

    const chatRequestsBefore = openai.requests.length;
    const echoedKey = (status: number) =>
      openAIError(status, {
        message: `Incorrect API key provided: ${CANARIES.OPENAI_API_KEY}.`,
        type: status === 401 ? 'invalid_request_error' : 'server_error',
        code: status === 401 ? 'invalid_api_key' : null,
      });
    openai.enqueue('chat', echoedKey(500), echoedKey(401));
    const datasetLlm = await startPipeline(client, 'dataset', {
      // Another summary limit: another prompt, so the response cache cannot answer it.
      input: { push: false, augmentationLoops: 1, minQualityScore: 0, maxSummaryChars: 200 },
      taskQueue,
      trigger: 'test',
    });
    await settle(datasetLlm.result());
    assert.ok(
      openai.requests.length >= chatRequestsBefore + 2,
      `both refusals were answered (${openai.requests.length - chatRequestsBefore} requests)`,
    );

    const hubRequestsBefore = hub.requests.length;
    hub.failNextRequests(500, 401);
    const datasetHub = await startPipeline(client, 'dataset', {
      input: {
        push: true,
        hubRepo: 'canary/second-brain-refused',
        augmentationLoops: 1,
        minQualityScore: 0,
      },
      taskQueue,
      trigger: 'test',
    });
    const hubOutcome = await settle(datasetHub.result());
    assert.ok(
      hub.requests.length >= hubRequestsBefore + 2,
      `the Hub refused twice (${hubOutcome})`,
    );
    assert.notEqual(hubOutcome, 'completed', 'a 401 from the Hub fails the push');

    // The canaries were really used: each service received its own.
    assert.ok(
      notion.requests.some((request) => request.status === 403),
      'the refused page was asked for',
    );
    assert.ok(
      openai.requests.some(
        (request) => request.headers.authorization === `Bearer ${CANARIES.OPENAI_API_KEY}`,
      ),
    );
    assert.ok(hub.repos.has('datasets/canary/second-brain-summarization'), 'pushed with HF_TOKEN');

    const needles = Object.entries(CANARIES).flatMap(([name, value]) => [
      { name, value },
      { name: `${name} (base64)`, value: Buffer.from(value).toString('base64') },
    ]);
    const leaks = (where: string, haystack: string) =>
      needles
        .filter(({ value }) => haystack.includes(value))
        .map(({ name }) => `${name} in ${where}`);

    const found: string[] = [];
    found.push(...leaks('worker output', worker!.output()));
    let executions = 0;
    let payloadsDecoded = false;
    for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
      executions++;
      const history = await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .fetchHistory();
      const textOfHistory = historyText(history);
      // The scan reads decoded payloads: the dataset's input is visible in its history.
      if (textOfHistory.includes('canary/second-brain-summarization')) payloadsDecoded = true;
      found.push(...leaks(`history of ${execution.type} ${execution.workflowId}`, textOfHistory));
    }
    // refresh, its collect, etl and rag children, and the dataset (plus any continued runs).
    assert.ok(executions >= 5, `${executions} executions found`);
    assert.ok(payloadsDecoded, 'workflow payloads were decoded and scanned');
    let collections = 0;
    for (const { name } of await mongo.db.listCollections().toArray()) {
      collections++;
      const documents = await mongo.db.collection(name).find({}).toArray();
      found.push(...leaks(`MongoDB collection ${name}`, JSON.stringify(documents)));
    }
    assert.ok(collections >= 3, `${collections} collections`);
    assert.deepEqual(found, []);
    await recordScenario({
      scenario: 'Canary secrets',
      fault: `canary NOTION_TOKEN, OPENAI_API_KEY, HF_TOKEN, API_TOKEN, also echoed back in Notion, OpenAI and Hub 401/500 error bodies; scanned worker logs, ${executions} workflow histories, ${collections} MongoDB collections`,
      faultsInjected: Object.keys(CANARIES).length,
      runsStarted: 6,
      runsCompleted: 6,
      documentsExpected: 0,
      documentsLost: 0,
      documentsDuplicated: 0,
      seconds: (Date.now() - started) / 1000,
    });
  });
});
