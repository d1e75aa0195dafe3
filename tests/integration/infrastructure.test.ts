import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { findFreePort } from '../../infra/managed-process.js';
import {
  infrastructureStatus,
  infrastructureUp,
  InfrastructureError,
} from '../../infra/local-infrastructure.js';
import { resolveTool, ToolInstallError } from '../../infra/tool-installer.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import { lastJsonLine, runCli, testConfig } from '../support/test-environment.js';

describe('embedded infrastructure', () => {
  it('answers on every protocol: Temporal gRPC and UI HTML, MongoDB ping, S3 ListBuckets', async () => {
    const config = testConfig();
    const connection = await Connection.connect({ address: config.temporal.address });
    const info = await connection.workflowService.getSystemInfo({});
    assert.ok(info.serverVersion);
    await connection.close();

    const ui = await fetch(config.temporal.uiUrl);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);

    const mongo = await connectMongo(config.mongodb);
    await mongo.ping();
    await mongo.close();

    const storage = createObjectStorage(config.s3);
    assert.ok((await storage.listBuckets()).includes(config.s3.bucket));
    storage.close();
  });

  it('a second `infra up --json` reuses the running servers and prints connection details', async () => {
    const result = await runCli(['infra', 'up', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const connections = lastJsonLine(result.stdout) as Record<string, Record<string, string>>;
    const config = testConfig();
    assert.deepEqual(connections.temporal, {
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      uiUrl: config.temporal.uiUrl,
    });
    assert.equal(connections.mongodb?.uri, config.mongodb.uri);
    assert.equal(connections.s3?.endpoint, config.s3.endpoint);
    assert.equal(connections.s3?.accessKeyId, config.s3.accessKeyId);
    assert.doesNotMatch(result.stderr, /Starting/);

    const statuses = await infrastructureUp(config, () =>
      assert.fail('nothing should be installed or started'),
    );
    assert.deepEqual(
      statuses.map((status) => status.state),
      ['reused', 'reused', 'reused'],
    );
  });

  it('`infra status --json` reports every service running', async () => {
    const result = await runCli(['infra', 'status', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const status = lastJsonLine(result.stdout) as { services: { name: string; state: string }[] };
    assert.deepEqual(
      status.services.map((service) => [service.name, service.state]),
      [
        ['temporal', 'running'],
        ['mongodb', 'running'],
        ['s3', 'running'],
      ],
    );
  });

  describe('a port held by another program', () => {
    let blocker: net.Server;
    let port: number;
    let dataDirectory: string;
    before(async () => {
      port = await findFreePort();
      // A TCP server that accepts connections but speaks no S3.
      blocker = net.createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-port-'));
    });
    after(async () => {
      await new Promise((resolve) => blocker.close(resolve));
      rmSync(dataDirectory, { recursive: true, force: true });
    });

    it('gets an error naming the port and the setting that changes it', async () => {
      const running = testConfig();
      const config = testConfig({
        SECOND_BRAIN_DATA_DIR: dataDirectory,
        TEMPORAL_ADDRESS: running.temporal.address,
        MONGODB_URI: running.mongodb.uri,
        LOCAL_S3_PORT: String(port),
      });
      await assert.rejects(
        infrastructureUp(config, () => undefined),
        (error: unknown) => {
          assert.ok(error instanceof InfrastructureError);
          assert.equal(error.service, 's3');
          assert.match(error.message, new RegExp(`port ${port} is already in use`));
          assert.match(error.message, /LOCAL_S3_PORT/);
          return true;
        },
      );
      const statuses = await infrastructureStatus(config);
      assert.equal(statuses.find((status) => status.name === 's3')?.state, 'stopped');
    });
  });

  it('names every source tried when a tool cannot be installed', () => {
    const toolsDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-tools-'));
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(toolsDirectory, 'empty');
    try {
      assert.throws(
        () => resolveTool('s3-server', toolsDirectory, () => undefined),
        (error: unknown) => {
          assert.ok(error instanceof ToolInstallError);
          for (const source of [
            'versitygw on PATH',
            'go install github.com/versity/versitygw',
            'minio on PATH',
            'go install github.com/minio/minio',
          ]) {
            assert.ok(error.message.includes(source), `${source} missing from: ${error.message}`);
          }
          return true;
        },
      );
    } finally {
      process.env.PATH = savedPath;
      rmSync(toolsDirectory, { recursive: true, force: true });
    }
  });
});
