import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { createRoutes } from '../../clients/http/api-routes.js';
import { startHttpServer, type RunningHttpServer } from '../../clients/http/http-server.js';
import type { RoundTripResult } from '../../domain/round-trip.js';
import { createRoundTripActivities } from '../../activities/round-trip/index.js';
import { createWorkflowInputActivities } from '../../activities/workflow-input/index.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createRoundTripDocumentStore } from '../../integrations/mongo/stores/round-trip-documents.js';
import { createObjectStorage, type ObjectStorage } from '../../integrations/s3/object-storage.js';
import { createPayloadCodec } from '../../integrations/temporal/data-converter.js';
import { EncryptionCodec } from '../../integrations/temporal/encryption-codec.js';
import { createWorker } from '../../workers/create-worker.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

const { temporal } = proto;

describe('private payloads (AES-256-GCM codec)', () => {
  const key = randomBytes(32).toString('base64');
  const config = testConfig({ PAYLOAD_ENCRYPTION_KEY: key, PAYLOAD_ENCRYPTION_KEY_ID: 'test-key' });
  const taskQueue = uniqueName('encrypted');
  const secretNote = `my private note ${uniqueName('canary')}`;
  let server: RunningHttpServer;

  const harness = useOfflineWorker({ config: () => config, taskQueue });
  before(async () => {
    server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: createRoutes(config) });
  });
  after(async () => {
    await server.close();
  });

  it('the server stores no plaintext, and the codec endpoint decodes it for the UI', async () => {
    const handle = await startPipeline(harness.client, 'round-trip', {
      input: { message: secretNote },
      taskQueue,
    });
    const result = (await handle.result()) as RoundTripResult;
    assert.equal(result.objectText, secretNote);

    // Read the raw history with a client that has no codec: what the server really holds.
    const rawClient = new Client({
      connection: await Connection.connect({ address: config.temporal.address }),
    });
    const history = await rawClient.workflow.getHandle(handle.workflowId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.ok(bytes.length > 0);
    assert.equal(
      bytes.includes(Buffer.from(secretNote)),
      false,
      'plaintext found in stored history',
    );
    assert.equal(bytes.includes(Buffer.from('binary/encrypted')), true);

    // The Temporal UI's codec protocol: POST /codec/decode with base64 payloads.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = started?.input?.payloads?.[0];
    assert.ok(payload);
    const response = await fetch(`${server.url}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: config.temporal.uiUrl },
      body: JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(payload.metadata ?? {}).map(([name, value]) => [
                name,
                Buffer.from(value).toString('base64'),
              ]),
            ),
            data: Buffer.from(payload.data!).toString('base64'),
          },
        ],
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), config.temporal.uiUrl);
    const decoded = (await response.json()) as { payloads: { data: string }[] };
    const input = JSON.parse(Buffer.from(decoded.payloads[0]!.data, 'base64').toString('utf8')) as {
      message: string;
    };
    assert.equal(input.message, secretNote);
    await rawClient.connection.close();
  });

  it('a payload sealed with another key id is refused with a clear message', async () => {
    const other = EncryptionCodec.fromBase64(randomBytes(32).toString('base64'), 'old-key');
    const [sealed] = await other.encode([{ metadata: {}, data: Buffer.from('"x"') }]);
    const codec = EncryptionCodec.fromBase64(key, 'test-key');
    await assert.rejects(codec.decode([sealed!]), /encrypted with key id "old-key"/);
  });

  it('a tampered payload fails authentication', async () => {
    const codec = EncryptionCodec.fromBase64(key, 'test-key');
    const [sealed] = await codec.encode([{ metadata: {}, data: Buffer.from('"hello"') }]);
    const data = Buffer.from(sealed!.data!);
    data.writeUInt8(data.readUInt8(20) ^ 0xff, 20);
    await assert.rejects(codec.decode([{ ...sealed!, data }]), /authenticate/);
  });
});

/** Every payload of a history, with where it sits (event type and field). */
function historyPayloads(history: proto.temporal.api.history.v1.IHistory) {
  const found: Array<{ event: string; payload: proto.temporal.api.common.v1.IPayload }> = [];
  for (const event of history.events ?? []) {
    const attributes =
      event.workflowExecutionStartedEventAttributes?.input?.payloads ??
      event.activityTaskScheduledEventAttributes?.input?.payloads ??
      event.activityTaskCompletedEventAttributes?.result?.payloads ??
      event.workflowExecutionCompletedEventAttributes?.result?.payloads ??
      [];
    const type = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
    for (const payload of attributes) found.push({ event: type, payload });
  }
  return found;
}

const keyIdOf = (payload: proto.temporal.api.common.v1.IPayload) =>
  Buffer.from(payload.metadata?.['encryption-key-id'] ?? new Uint8Array()).toString('utf8');

const toJsonPayload = (payload: proto.temporal.api.common.v1.IPayload) => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([name, value]) => [
      name,
      Buffer.from(value).toString('base64'),
    ]),
  ),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

describe('payload key rotation (key ring)', () => {
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  const ringEnvironment = (keys: string) => ({
    PAYLOAD_ENCRYPTION_KEY: undefined,
    PAYLOAD_ENCRYPTION_KEY_ID: undefined,
    PAYLOAD_ENCRYPTION_KEYS: keys,
  });
  const configA = testConfig(ringEnvironment(`key-a:${keyA}`));
  // B is added as the newest key: it seals from now on, A still opens what A sealed.
  const configAB = testConfig(ringEnvironment(`key-a:${keyA},key-b:${keyB}`));
  const configB = testConfig(ringEnvironment(`key-b:${keyB}`));
  const taskQueue = uniqueName('rotation');
  const secretNote = `rotated private note ${uniqueName('canary')}`;
  let storage: ObjectStorage;
  let mongo: MongoDatabase;
  let server: RunningHttpServer;
  let rawClient: Client;

  before(async () => {
    storage = createObjectStorage(configA.s3);
    await storage.ensureBucket();
    mongo = await connectMongo(configA.mongodb);
    server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: createRoutes(configAB) });
    rawClient = new Client({
      connection: await Connection.connect({ address: configA.temporal.address }),
    });
  });
  after(async () => {
    await server.close();
    await rawClient.connection.close();
    await mongo.close();
    storage.close();
  });

  const decodeThroughEndpoint = (payloads: proto.temporal.api.common.v1.IPayload[]) =>
    fetch(`${server.url}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: configAB.temporal.uiUrl },
      body: JSON.stringify({ payloads: payloads.map(toJsonPayload) }),
    });

  it(
    'a workflow started under key A completes after the worker restarts with ring [A, B]; new payloads are sealed with B and the whole history decodes',
    { timeout: 180_000 },
    async () => {
      const activities = {
        ...createWorkflowInputActivities(),
        ...createRoundTripActivities({ storage, documents: createRoundTripDocumentStore(mongo) }),
      };
      // Under key A the workflow gets as far as its reads, which fail (and are retried) until
      // the worker is replaced: the rotation happens while the workflow is running.
      const workerA = await createWorker(configA, {
        taskQueue,
        workflows: 'offline',
        activities: {
          ...activities,
          readRoundTripObject: () => Promise.reject(new Error('not before the rotation')),
        },
      });
      const runningA = workerA.run();
      const clientA = await connectClient(configA);
      let workflowId: string;
      try {
        const handle = await startPipeline(clientA, 'round-trip', {
          input: { message: secretNote },
          taskQueue,
        });
        workflowId = handle.workflowId;
        const completedActivities = async () =>
          (await rawClient.workflow.getHandle(workflowId).fetchHistory()).events?.filter(
            (event) => event.activityTaskCompletedEventAttributes,
          ).length ?? 0;
        for (let waited = 0; (await completedActivities()) < 2; waited += 200) {
          assert.ok(waited < 60_000, 'the first two activities never completed under key A');
          await sleep(200);
        }
      } finally {
        await workerA.shutdown();
        await runningA;
        await clientA.connection.close();
      }

      const workerAB = await createWorker(configAB, {
        taskQueue,
        workflows: 'offline',
        activities,
      });
      const runningAB = workerAB.run();
      try {
        const clientAB = await connectClient(configAB);
        const result = (await clientAB.workflow.getHandle(workflowId).result()) as RoundTripResult;
        await clientAB.connection.close();
        assert.equal(result.objectText, secretNote);
        assert.equal(result.matches, true);
      } finally {
        await workerAB.shutdown();
        await runningAB;
      }

      const history = await rawClient.workflow.getHandle(workflowId).fetchHistory();
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
      assert.equal(bytes.includes(Buffer.from(secretNote)), false, 'plaintext in history');
      const payloads = historyPayloads(history);
      const started = payloads.find((entry) => entry.event.includes('WORKFLOW_EXECUTION_STARTED'));
      const completed = payloads.find((entry) =>
        entry.event.includes('WORKFLOW_EXECUTION_COMPLETED'),
      );
      assert.equal(started && keyIdOf(started.payload), 'key-a', 'the input was sealed with A');
      assert.equal(completed && keyIdOf(completed.payload), 'key-b', 'the result is sealed with B');
      assert.deepEqual([...new Set(payloads.map((entry) => keyIdOf(entry.payload)))].sort(), [
        'key-a',
        'key-b',
      ]);

      // The Temporal UI's codec endpoint (ring [A, B]) opens every payload of the history.
      const response = await decodeThroughEndpoint(payloads.map((entry) => entry.payload));
      assert.equal(response.status, 200);
      const decoded = (await response.json()) as { payloads: { data: string }[] };
      const texts = decoded.payloads.map((payload) =>
        Buffer.from(payload.data, 'base64').toString('utf8'),
      );
      assert.equal(texts.length, payloads.length);
      assert.ok(texts[0]?.includes(secretNote), 'the decoded input holds the note');
      assert.ok(texts.at(-1)?.includes(secretNote), 'the decoded result holds the note');

      // A codec that lost key A names the id it is missing.
      const withoutA = createPayloadCodec(configB)!;
      await assert.rejects(
        withoutA.decode([started!.payload]),
        /encrypted with key id "key-a", which is not in the key ring \(ids: key-b\)/,
      );
    },
  );

  it('a plaintext payload is refused: by the codec endpoint, and by the worker (its workflow task fails naming the problem)', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') };
    const response = await decodeThroughEndpoint([plain]);
    assert.equal(response.status, 422);
    assert.match(
      ((await response.json()) as { error: string }).error,
      /Refused an unencrypted payload \(encoding "json\/plain"\): payload encryption is on/,
    );

    // A client without the codec starts a workflow: its input is plaintext.
    const queue = uniqueName('plaintext');
    const worker = await createWorker(configAB, {
      taskQueue: queue,
      workflows: 'offline',
      activities: {
        ...createWorkflowInputActivities(),
        ...createRoundTripActivities({ storage, documents: createRoundTripDocumentStore(mongo) }),
      },
    });
    const running = worker.run();
    const handle = await rawClient.workflow.start('roundTrip', {
      args: [{ message: 'plain' }],
      taskQueue: queue,
      workflowId: uniqueName('plaintext-round-trip'),
    });
    try {
      let failure: string | undefined;
      for (let waited = 0; failure === undefined; waited += 200) {
        assert.ok(waited < 30_000, 'the worker never refused the plaintext workflow task');
        const history = await handle.fetchHistory();
        failure =
          history.events?.find((event) => event.workflowTaskFailedEventAttributes)
            ?.workflowTaskFailedEventAttributes?.failure?.message ?? undefined;
        if (failure === undefined) await sleep(200);
      }
      assert.match(failure, /Refused an unencrypted payload/);
      const description = await handle.describe();
      assert.equal(description.status.name, 'RUNNING', 'nothing ran on the plaintext input');
    } finally {
      await handle.terminate('test over');
      await worker.shutdown();
      await running;
    }
  });

  it('the single-key variables still work as a one-key ring', () => {
    const config = testConfig({
      PAYLOAD_ENCRYPTION_KEYS: undefined,
      PAYLOAD_ENCRYPTION_KEY: keyA,
      PAYLOAD_ENCRYPTION_KEY_ID: 'legacy',
    });
    assert.deepEqual(config.temporal.encryption, {
      keys: [{ id: 'legacy', key: keyA }],
      activeKeyId: 'legacy',
      allowPlaintext: false,
    });
  });
});
