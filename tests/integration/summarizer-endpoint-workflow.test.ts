// summarizerEndpoint against the Inference Endpoints emulator (the REST API's shapes; states
// progress as it is polled): create from nothing with the newest registered model, wait for the
// URL, stay running while the real endpoint summarizer is used, pause after the idle window;
// resume an existing paused endpoint (no second create, a second ensure touches the same run);
// a failed endpoint fails the workflow non-retryably; invalid input is named; the API's errors
// map to the taxonomy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  createRunningEndpointLookup,
  type InferenceEndpointRecord,
} from '../../integrations/mongo/stores/inference-endpoints.js';
import {
  startSummarizerEndpoint,
  waitForEndpointUrl,
} from '../../clients/summarizer-endpoint-client.js';
import type { Config } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import { COLLECTIONS, summarizerEndpointWorkflowId } from '../../domain/names.js';
import { createInferenceEndpointsClient } from '../../integrations/huggingface/inference-endpoints.js';
import { createEndpointUsage, endpointUsageKey } from '../../integrations/llm/endpoint-usage.js';
import { createEndpointSummarizer, createSummarizer } from '../../integrations/llm/summarizer.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { createScriptedChatModel } from '../support/scripted-chat-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import type { SummarizerEndpointResult } from '../../workflows/summarizer-endpoint.js';
import {
  startInferenceEndpointsEmulator,
  type InferenceEndpointsEmulator,
} from '../emulators/inference-endpoints-emulator.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

const TOKEN = 'hf_endpoints_token';
/** 3 seconds: the idle window of these tests. */
const IDLE_MINUTES = 0.05;

describe('summarizerEndpoint (Inference Endpoints emulator)', () => {
  const database = uniqueName('endpoint').replaceAll('-', '_');
  const taskQueue = uniqueName('endpoint');
  let emulator: InferenceEndpointsEmulator;
  let config: Config;
  let mongo: MongoDatabase;

  const createCalls = () =>
    emulator.requests.filter(
      (request) => request.method === 'POST' && request.path === '/v2/endpoint/tester',
    ).length;

  function start(input: Record<string, unknown>) {
    return startSummarizerEndpoint(harness.client, config, {
      input: { pollIntervalSeconds: 0.2, idlePauseMinutes: IDLE_MINUTES, ...input },
      taskQueue,
      trigger: 'test',
    });
  }

  before(async () => {
    emulator = await startInferenceEndpointsEmulator({ token: TOKEN, pollsPerStage: 2 });
    config = testConfig({
      MONGODB_DATABASE: database,
      HF_TOKEN: TOKEN,
      HF_ENDPOINTS_API_URL: emulator.url,
      HF_ENDPOINTS_NAMESPACE: 'tester',
    });
    mongo = await connectMongo(config.mongodb);
    // Two registered models: the endpoint must serve the newer.
    await mongo.db.collection(COLLECTIONS.models).insertMany([
      {
        _id: 'tester/summarizer@old' as never,
        repoId: 'tester/summarizer-old',
        revision: '1111111',
        createdAt: new Date('2025-01-01T00:00:00Z'),
      },
      {
        _id: 'tester/summarizer@new' as never,
        repoId: 'tester/summarizer',
        revision: 'abc1234',
        createdAt: new Date('2025-06-01T00:00:00Z'),
      },
    ]);
  });
  const harness = useOfflineWorker({ config: () => config, taskQueue });

  after(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
    await emulator.close();
  });

  it('creates the endpoint from nothing, reports its URL, stays up while used and pauses once idle', async () => {
    const name = uniqueName('sum');
    const startedAt = Date.now();
    const { handle } = await start({ name });
    assert.equal(handle.workflowId, summarizerEndpointWorkflowId(name));
    const waited = await waitForEndpointUrl(handle, { pollIntervalMs: 100, timeoutMs: 60_000 });
    assert.equal(waited.outcome, 'running');
    const runningAfterMs = Date.now() - startedAt;
    const endpoint = emulator.endpoints.get(`tester/${name}`);
    assert.ok(endpoint);
    assert.equal(waited.view.url, endpoint.url);
    assert.match(waited.view.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/serve\/tester\/sum-/);
    // The newest registered model, on the default instance, served by TGI.
    assert.equal(endpoint.model.repository, 'tester/summarizer');
    assert.equal(endpoint.model.revision, 'abc1234');
    assert.equal(endpoint.model.task, 'text-generation');
    assert.equal(endpoint.model.framework, 'pytorch');
    assert.deepEqual(Object.keys(endpoint.model.image), ['tgi']);
    assert.deepEqual(endpoint.provider, { vendor: 'aws', region: 'us-east-1' });
    assert.equal(endpoint.compute.instanceType, 'nvidia-a10g');
    assert.equal(endpoint.compute.instanceSize, 'x1');
    assert.equal(endpoint.compute.accelerator, 'gpu');
    assert.equal(createCalls(), 1);
    const record = await mongo.db
      .collection<InferenceEndpointRecord>(COLLECTIONS.inferenceEndpoints)
      .findOne({ _id: `tester/${name}` });
    assert.equal(record?.state, 'running');
    assert.equal(record?.url, endpoint.url);

    // Without SUMMARIZER_ENDPOINT_URL, the agent's summarizer finds the running endpoint in the
    // registry by name; with none running it falls back to the chat model.
    const unconfigured = (endpointName: string) =>
      createSummarizer({
        endpoint: { url: undefined, apiKey: TOKEN, model: 'tgi', timeoutMs: 10_000 },
        llm: createScriptedChatModel(),
        findRunningEndpoint: createRunningEndpointLookup(mongo.db, {
          name: endpointName,
          namespace: 'tester',
        }),
      });
    assert.equal(await unconfigured(name).summarize('Some note.'), 'A short summary.');
    assert.match(await unconfigured('not-running').summarize('Some note.'), /^Summary: /);

    // The real endpoint summarizer marks every call; used across more than one idle window,
    // the endpoint must stay up.
    const summarizer = createEndpointSummarizer({
      url: endpoint.url!,
      apiKey: TOKEN,
      model: 'tgi',
      timeoutMs: 10_000,
      usage: createEndpointUsage(mongo.db),
    });
    const usedUntil = Date.now() + 5_000;
    let lastUse = 0;
    while (Date.now() < usedUntil) {
      lastUse = Date.now();
      assert.equal(await summarizer.summarize('Some note to summarize.'), 'A short summary.');
      assert.equal(endpoint.state, 'running', 'paused while in use');
      await sleep(1_000);
    }
    const usage = await mongo.db
      .collection<{ _id: string; calls: number }>(COLLECTIONS.endpointUsage)
      .findOne({ _id: endpointUsageKey(endpoint.url!) });
    assert.ok((usage?.calls ?? 0) >= 5);

    const result = (await handle.result()) as SummarizerEndpointResult;
    const pausedAfterIdleMs = Date.now() - lastUse;
    await recordHistoryForReplay(
      harness.client,
      handle.workflowId,
      'summarizer-endpoint-idle-pause',
    );
    assert.equal(result.state, 'paused');
    assert.equal(result.pausedBy, 'idle');
    assert.equal(result.change, 'created');
    assert.equal(endpoint.state, 'paused');
    assert.ok(pausedAfterIdleMs >= 2_500, `paused ${pausedAfterIdleMs} ms after the last use`);
    assert.ok(pausedAfterIdleMs < 15_000, `paused ${pausedAfterIdleMs} ms after the last use`);
    const pausedRecord = await mongo.db
      .collection<InferenceEndpointRecord>(COLLECTIONS.inferenceEndpoints)
      .findOne({ _id: `tester/${name}` });
    assert.equal(pausedRecord?.state, 'paused');
    assert.ok(pausedRecord?.pausedAt instanceof Date);
    console.log(
      `summarizer endpoint: running after ${runningAfterMs} ms (2 polls per stage), paused ${pausedAfterIdleMs} ms after the last use (idle window 3000 ms)`,
    );
  });

  it('resumes an existing paused endpoint without creating another; a second ensure joins the same run', async () => {
    const name = uniqueName('sum');
    emulator.seed({
      namespace: 'tester',
      name,
      repository: 'tester/summarizer',
      revision: 'abc1234',
      state: 'paused',
    });
    const before = createCalls();
    const { handle, runId } = await start({ name, idlePauseMinutes: 10 });
    const waited = await waitForEndpointUrl(handle, { pollIntervalMs: 100, timeoutMs: 60_000 });
    assert.equal(waited.outcome, 'running');
    assert.equal(emulator.endpoints.get(`tester/${name}`)?.state, 'running');

    const again = await start({ name, idlePauseMinutes: 10 });
    assert.equal(again.handle.workflowId, handle.workflowId);
    assert.equal(again.runId, runId, 'the running ensure was touched, not started twice');

    const status = await startSummarizerEndpoint(harness.client, config, {
      input: { action: 'status', name },
      taskQueue,
    });
    const statusResult = (await status.handle.result()) as SummarizerEndpointResult;
    assert.equal(statusResult.state, 'running');
    assert.equal(statusResult.url, waited.view.url);

    // Paused by hand: the watching workflow sees it at its next check and ends.
    const paused = await startSummarizerEndpoint(harness.client, config, {
      input: { action: 'pause', name },
      taskQueue,
    });
    assert.equal(((await paused.handle.result()) as SummarizerEndpointResult).state, 'paused');
    await handle.terminate('the test does not wait ten idle minutes');
    assert.equal(createCalls(), before, 'no second create');
    const resumes = emulator.requests.filter(
      (request) => request.path === `/v2/endpoint/tester/${name}/resume`,
    );
    assert.equal(resumes.length, 1);
    await recordHistoryForReplay(
      harness.client,
      paused.handle.workflowId,
      'summarizer-endpoint-pause',
    );
  });

  it('ends with pausedBy external when someone else pauses the endpoint', async () => {
    const name = uniqueName('sum');
    const { handle } = await start({ name });
    await waitForEndpointUrl(handle, { pollIntervalMs: 100, timeoutMs: 60_000 });
    await createInferenceEndpointsClient({ apiUrl: emulator.url, token: TOKEN }).pause(
      'tester',
      name,
    );
    const result = (await handle.result()) as SummarizerEndpointResult;
    assert.equal(result.pausedBy, 'external');
    assert.equal(result.state, 'paused');
  });

  it('fails non-retryably, naming the state and message, when the endpoint fails to start', async () => {
    const name = uniqueName('sum');
    emulator.failNext('Container crashed: CUDA out of memory');
    const { handle } = await start({ name });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      const failure = error.cause?.cause;
      assert.ok(failure instanceof ApplicationFailure, String(error.cause));
      assert.equal(failure.type, 'PermanentError');
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, new RegExp(`tester/${name} is failed`));
      assert.match(failure.message, /CUDA out of memory/);
      return true;
    });
    assert.equal(emulator.endpoints.get(`tester/${name}`)?.state, 'failed');
    // Ensure on the failed endpoint fails at once, with the same clear message.
    const again = await start({ name: `${name}` });
    await assert.rejects(again.handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(
        String((error.cause?.cause as Error | undefined)?.message),
        /is failed: Container crashed/,
      );
      return true;
    });
  });

  it('names every invalid input field', async () => {
    const { handle } = await start({
      name: 'Not_Valid',
      idlePauseMinutes: 0,
      instance: { instanceSize: 'huge' },
    });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'ValidationError');
      assert.equal(error.cause.nonRetryable, true);
      for (const field of ['name', 'idlePauseMinutes', 'instance.instanceSize'])
        assert.match(error.cause.message, new RegExp(`${field.replace('.', '\\.')}: `));
      return true;
    });
  });

  it('maps the API errors: 401 auth, 404 as missing, 429 rate limited with Retry-After', async () => {
    const wrong = createInferenceEndpointsClient({ apiUrl: emulator.url, token: 'hf_wrong' });
    await assert.rejects(wrong.get('tester', 'anything'), (error: unknown) => {
      assert.ok(error instanceof SecondBrainError);
      assert.equal(error.kind, 'auth');
      assert.equal(error.retryable, false);
      return true;
    });
    const api = createInferenceEndpointsClient({ apiUrl: emulator.url, token: TOKEN });
    assert.equal(await api.get('tester', 'does-not-exist'), undefined);
    await assert.rejects(api.pause('tester', 'does-not-exist'), (error: unknown) => {
      assert.ok(error instanceof SecondBrainError);
      assert.equal(error.kind, 'notFound');
      return true;
    });
    emulator.rateLimitNext(1, 2);
    await assert.rejects(api.get('tester', 'anything'), (error: unknown) => {
      assert.ok(error instanceof SecondBrainError);
      assert.equal(error.kind, 'rateLimited');
      assert.equal(error.retryAfterMs, 2_000);
      return true;
    });
    const noToken = createInferenceEndpointsClient({ apiUrl: emulator.url, token: undefined });
    await assert.rejects(noToken.get('tester', 'anything'), /HF_TOKEN is not set/);
  });
});
