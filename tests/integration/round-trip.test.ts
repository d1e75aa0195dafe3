import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startPipeline } from '../../clients/temporal-client.js';
import { TASK_QUEUES } from '../../domain/names.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import type { RoundTripResult } from '../../domain/round-trip.js';
import { useOfflineWorker, withOfflineWorker } from '../support/offline-worker-harness.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { lastJsonLine, runCli, testConfig, uniqueName } from '../support/test-environment.js';

describe('round-trip workflow on the real servers', () => {
  const config = testConfig();
  const taskQueue = uniqueName('round-trip');
  const harness = useOfflineWorker({ config: () => config, taskQueue });

  it('writes and reads S3 and MongoDB, and shows as Completed in the Temporal UI', async () => {
    const message = `round trip ${Date.now()} — ünïcode`;
    const handle = await startPipeline(harness.client, 'round-trip', {
      input: { message },
      taskQueue,
      trigger: 'test',
    });
    const result = (await handle.result()) as RoundTripResult;
    assert.equal(result.objectText, message);
    assert.equal(result.documentText, message);
    assert.equal(result.matches, true);
    await recordHistoryForReplay(harness.client, handle.workflowId, 'round-trip');

    // The stores really hold it, independently of the workflow.
    const storage = createObjectStorage(config.s3);
    assert.equal((await storage.getObject(result.objectKey))?.body.toString('utf8'), message);
    storage.close();
    const mongo = await connectMongo(config.mongodb);
    const document = await mongo.db
      .collection<{ _id: string; text: string }>('round_trip')
      .findOne({ _id: result.documentId });
    assert.equal(document?.text, message);
    await mongo.close();

    // What the Temporal UI shows: its own HTTP API, which its pages render.
    const response = await fetch(
      `${config.temporal.uiUrl}/api/v1/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(handle.workflowId)}`,
    );
    assert.equal(response.status, 200);
    const described = (await response.json()) as {
      workflowExecutionInfo: { status: string; type: { name: string } };
    };
    assert.equal(described.workflowExecutionInfo.status, 'WORKFLOW_EXECUTION_STATUS_COMPLETED');
    assert.equal(described.workflowExecutionInfo.type.name, 'roundTrip');

    // Every activity carries a readable summary, so the event history reads as a story.
    const history = await handle.fetchHistory();
    const summaries = (history.events ?? [])
      .filter((event) => event.activityTaskScheduledEventAttributes)
      .map(
        (event) =>
          JSON.parse(
            Buffer.from(event.userMetadata?.summary?.data ?? []).toString('utf8') || 'null',
          ) as unknown,
      );
    assert.deepEqual(summaries.slice(1), [
      'Upsert the message into MongoDB',
      'Read the object back from S3',
      'Read the document back from MongoDB',
    ]);
    assert.match(String(summaries[0]), /^Write the message to S3 as round-trip\//);

    const search = await handle.describe();
    assert.deepEqual(search.searchAttributes.Pipeline, ['round-trip']);
    assert.deepEqual(search.searchAttributes.Trigger, ['test']);
  });

  it('fails an invalid input with a non-retryable ValidationError naming the field', async () => {
    const handle = await startPipeline(harness.client, 'round-trip', {
      input: { message: 7 },
      taskQueue,
    });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'ValidationError');
      assert.equal(error.cause.nonRetryable, true);
      assert.match(error.cause.message, /message: .*expected string/);
      return true;
    });
    await recordHistoryForReplay(harness.client, handle.workflowId, 'round-trip-invalid-input');
  });

  it('the CLI runs it with --wait --json and prints the result as the last line', async () => {
    // The CLI targets the shared offline queue, so serve it for this test.
    await withOfflineWorker(
      () => config,
      async () => {
        const result = await runCli([
          'run',
          'round-trip',
          '--input',
          '{"message":"from the CLI"}',
          '--wait',
          '--json',
        ]);
        assert.equal(result.code, 0, result.stderr);
        const output = lastJsonLine(result.stdout) as RoundTripResult;
        assert.equal(output.objectText, 'from the CLI');
        assert.equal(output.matches, true);
        assert.match(
          result.stderr,
          /Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/round-trip-/,
        );
      },
      { taskQueue: TASK_QUEUES.offline },
    );
  });

  it('the CLI lists the valid pipelines for an unknown one, and rejects bad JSON', async () => {
    // Two independent commands: started side by side, not one CLI start after the other.
    const [unknown, badJson] = await Promise.all([
      runCli(['run', 'no-such-pipeline']),
      runCli(['run', 'round-trip', '--input', '{not json']),
    ]);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /Unknown pipeline "no-such-pipeline"\. Valid pipelines: .*round-trip/,
    );
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /--input is not valid JSON/);
  });
});
