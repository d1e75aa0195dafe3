import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import {
  applySchedules,
  listSchedules,
  loadScheduleFile,
  ScheduleFileError,
} from '../../clients/schedules.js';
import { connectClient } from '../../clients/temporal-client.js';
import type { RoundTripResult } from '../../domain/round-trip.js';
import { useOfflineWorker, withOfflineWorker } from '../support/offline-worker-harness.js';
import {
  lastJsonLine,
  repositoryRoot,
  runCli,
  testConfig,
  uniqueName,
} from '../support/test-environment.js';

describe('Temporal Schedules from a schedules file', () => {
  const config = testConfig();
  const taskQueue = uniqueName('scheduled');
  const scheduleId = uniqueName('health');
  const directory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-schedules-'));
  const file = path.join(directory, 'schedules.json');
  // The schedules' runs need a worker on their task queue; the test's own client outlives it.
  useOfflineWorker({ config: () => config, taskQueue });
  let client: Client;

  const writeFile = (cron: string) =>
    writeFileSync(
      file,
      JSON.stringify({
        schedules: [
          {
            id: scheduleId,
            pipeline: 'round-trip',
            cron,
            input: { message: 'scheduled' },
            taskQueue,
          },
        ],
      }),
    );

  before(async () => {
    client = await connectClient(config);
  });
  after(async () => {
    await client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
    await client.connection.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('apply is idempotent: created, then unchanged, then updated when the file changes', async () => {
    writeFile('0 3 * * *');
    assert.deepEqual(await applySchedules(client, loadScheduleFile(file)), [
      { id: scheduleId, outcome: 'created' },
    ]);
    assert.deepEqual(await applySchedules(client, loadScheduleFile(file)), [
      { id: scheduleId, outcome: 'unchanged' },
    ]);
    writeFile('0 4 * * *');
    assert.deepEqual(await applySchedules(client, loadScheduleFile(file)), [
      { id: scheduleId, outcome: 'updated' },
    ]);
    const description = await client.schedule.getHandle(scheduleId).describe();
    assert.equal(description.policies.overlap, 'SKIP');
    assert.equal(description.policies.catchupWindow, 3_600_000);
    assert.equal(description.info.nextActionTimes[0]?.getUTCHours(), 4);
  });

  it('the CLI lists it as JSON, and a triggered schedule runs the pipeline', async () => {
    const listed = await runCli(['schedule', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const { schedules } = lastJsonLine(listed.stdout) as {
      schedules: { id: string; pipeline: string; paused: boolean }[];
    };
    const entry = schedules.find((schedule) => schedule.id === scheduleId);
    assert.deepEqual(
      { pipeline: entry?.pipeline, paused: entry?.paused },
      { pipeline: 'round-trip', paused: false },
    );

    const triggered = await runCli(['schedule', 'trigger', scheduleId]);
    assert.equal(triggered.code, 0, triggered.stderr);
    let workflowId: string | undefined;
    for (let attempt = 0; attempt < 50 && !workflowId; attempt++) {
      workflowId = (await listSchedules(client))
        .find((schedule) => schedule.id === scheduleId)
        ?.recentRuns.at(-1)?.workflowId;
      if (!workflowId) await delay(200);
    }
    assert.ok(workflowId, 'the schedule took no action');
    const result = (await client.workflow.getHandle(workflowId).result()) as RoundTripResult;
    assert.equal(result.objectText, 'scheduled');
    const described = await client.workflow.getHandle(workflowId).describe();
    assert.deepEqual(described.searchAttributes.Trigger, ['schedule']);
  });

  it('pause and unpause from the CLI', async () => {
    assert.equal((await runCli(['schedule', 'pause', scheduleId])).code, 0);
    assert.equal((await client.schedule.getHandle(scheduleId).describe()).state.paused, true);
    assert.equal((await runCli(['schedule', 'unpause', scheduleId])).code, 0);
    assert.equal((await client.schedule.getHandle(scheduleId).describe()).state.paused, false);
  });

  it('names the offending entry of an invalid file', () => {
    writeFileSync(
      file,
      JSON.stringify({ schedules: [{ id: 'x', pipeline: 'nope', cron: '* * * * *' }] }),
    );
    assert.throws(
      () => loadScheduleFile(file),
      (error: unknown) => {
        assert.ok(error instanceof ScheduleFileError);
        assert.match(error.message, /schedules\.0\.pipeline: must be one of: .*round-trip/);
        return true;
      },
    );
  });

  it('the shipped schedules.json is valid', () => {
    assert.ok(loadScheduleFile(path.join(repositoryRoot, 'schedules.json')).length > 0);
  });

  it('the shipped daily refresh schedule, triggered, runs refreshKnowledgeBase to completion', async () => {
    // The shipped entry as is, but on a private queue, database and bucket: the refresh's ETL
    // and RAG stages then work on an empty knowledge base and finish quickly.
    const shipped = loadScheduleFile(path.join(repositoryRoot, 'schedules.json')).find(
      (schedule) => schedule.pipeline === 'refresh',
    );
    assert.ok(shipped, 'schedules.json has a refresh schedule');
    const refreshQueue = uniqueName('scheduled-refresh');
    const refreshScheduleId = uniqueName(shipped.id);
    const isolated = testConfig({
      MONGODB_DATABASE: refreshScheduleId.replaceAll('-', '_'),
      S3_BUCKET: refreshScheduleId,
      NOTION_TOKEN: undefined,
      NOTION_DATABASE_IDS: undefined,
    });
    await withOfflineWorker(
      () => isolated,
      async () => {
        assert.deepEqual(
          await applySchedules(client, [
            { ...shipped, id: refreshScheduleId, taskQueue: refreshQueue },
          ]),
          [{ id: refreshScheduleId, outcome: 'created' }],
        );
        const schedule = client.schedule.getHandle(refreshScheduleId);
        await schedule.trigger();
        let workflowId: string | undefined;
        for (let attempt = 0; attempt < 50 && !workflowId; attempt++) {
          workflowId = (await schedule.describe()).info.recentActions.at(-1)?.action.workflow
            .workflowId;
          if (!workflowId) await delay(200);
        }
        assert.ok(workflowId, 'the schedule took no action');
        const handle = client.workflow.getHandle(workflowId);
        const result = (await handle.result()) as { stages: { stage: string; status: string }[] };
        assert.deepEqual(
          result.stages.map((stage) => [stage.stage, stage.status]),
          [
            ['collect', 'skipped'],
            ['etl', 'completed'],
            ['rag', 'completed'],
          ],
        );
        const described = await handle.describe();
        assert.equal(described.type, 'refreshKnowledgeBase');
        assert.deepEqual(described.searchAttributes.Trigger, ['schedule']);
        await schedule.delete();
      },
      { taskQueue: refreshQueue },
    );
  });
});
