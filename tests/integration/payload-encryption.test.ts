import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { createRoutes } from '../../clients/http/api-routes.js';
import { startHttpServer, type RunningHttpServer } from '../../clients/http/http-server.js';
import type { RoundTripResult } from '../../domain/round-trip.js';
import { EncryptionCodec } from '../../integrations/temporal/encryption-codec.js';
import { useOfflineWorker } from '../support/offline-worker-harness.js';
import { testConfig, uniqueName } from '../support/test-environment.js';

const { temporal } = proto;

describe('private payloads (AES-256-GCM codec)', () => {
  const key = randomBytes(32).toString('base64');
  const config = testConfig({ PAYLOAD_ENCRYPTION_KEY: key, PAYLOAD_ENCRYPTION_KEY_ID: 'test-key' });
  const taskQueue = uniqueName('encrypted');
  const secretNote = `my private note ${uniqueName('canary')}`;
  let server: RunningHttpServer;
  useOfflineWorker({ config: () => config, taskQueue });

  before(async () => {
    server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: createRoutes(config) });
  });
  after(async () => {
    await server.close();
  });

  it('the server stores no plaintext, and the codec endpoint decodes it for the UI', async () => {
    const client = await connectClient(config);
    const handle = await startPipeline(client, 'round-trip', {
      input: { message: secretNote },
      taskQueue,
    });
    const result = (await handle.result()) as RoundTripResult;
    assert.equal(result.objectText, secretNote);
    await client.connection.close();

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
