// Outages of the servers themselves, on a private set of servers so other tests are unaffected.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import type { RoundTripResult } from '../../domain/round-trip.js';
import { outage, startServices, stopService } from '../support/fault-injection.js';
import { repositoryRoot } from '../support/test-environment.js';
import {
  startTestInfrastructure,
  type TestInfrastructure,
} from '../support/test-infrastructure.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

describe('infrastructure faults', () => {
  let infrastructure: TestInfrastructure;
  let worker: WorkerProcess | undefined;

  before(async () => {
    infrastructure = await startTestInfrastructure({
      baseEnvironment: process.env,
      repositoryRoot,
      progress: () => undefined,
    });
  });
  after(async () => {
    await worker?.kill();
    await infrastructure.stop();
  });

  it('a MongoDB outage of 10 s mid-run: activities retry with backoff and the run completes', async () => {
    worker = await startWorkerProcess('offline', infrastructure.environment);
    await stopService(infrastructure, 'mongodb');
    const client = await connectClient(infrastructure.config);
    try {
      const handle = await startPipeline(client, 'round-trip', {
        input: { message: 'survives an outage' },
      });
      // Let the run hit the dead database (the S3 write succeeds, the MongoDB upsert fails).
      await delay(10_000);
      const before = await handle.describe();
      assert.equal(before.status.name, 'RUNNING');
      const pending = before.raw.pendingActivities ?? [];
      assert.ok(
        pending.some((activity) => (activity.attempt ?? 0) > 1),
        'the MongoDB activity should be retrying',
      );
      await startServices(infrastructure);
      const result = (await handle.result()) as RoundTripResult;
      assert.equal(result.documentText, 'survives an outage');
      assert.equal(result.matches, true);
    } finally {
      await client.connection.close();
      await worker.kill();
      worker = undefined;
    }
  });

  it('a Temporal server restart on the same SQLite file loses no run', async () => {
    const client = await connectClient(infrastructure.config);
    const handle = await startPipeline(client, 'round-trip', {
      input: { message: 'survives a restart' },
    });
    await client.connection.close();

    // No worker yet: the run waits in the task queue while the server goes down and comes back.
    await outage(infrastructure, 'temporal', 1_000);

    worker = await startWorkerProcess('offline', infrastructure.environment);
    const again = await connectClient(infrastructure.config);
    try {
      const result = (await again.workflow
        .getHandle(handle.workflowId)
        .result()) as RoundTripResult;
      assert.equal(result.objectText, 'survives a restart');
    } finally {
      await again.connection.close();
    }
  });
});
