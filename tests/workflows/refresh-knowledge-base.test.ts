// The refresh's orchestration of its three child workflows on the time-skipping server: which
// children run, in what order, with which inputs, what is reused under a refresh key, and what
// a failure or a cancellation does. The children are stand-ins (tests/workflows/
// workflows-under-test.ts) and the bookkeeping activities are stubs over an in-memory map.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, ChildWorkflowFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseWorkflowInput, type WorkflowWithInput } from '../../domain/workflow-inputs.js';
import type { RefreshResult } from '../../workflows/refresh-knowledge-base.js';
import {
  startTimeSkippingEnvironment,
  withStubbedWorker,
} from '../support/time-skipping-environment.js';

type Stage = 'collect' | 'etl' | 'rag';

function bookkeepingActivities(options: { notionConfigured: boolean }) {
  const completed = new Map<string, unknown>();
  const lookups: string[] = [];
  return {
    completed,
    lookups,
    activities: {
      // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
      async parseWorkflowInput(request: { workflowType: WorkflowWithInput; input: unknown }) {
        return parseWorkflowInput(request.workflowType, request.input);
      },
      // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
      async describeKnowledgeSources() {
        return {
          notionConfigured: options.notionConfigured,
          note: options.notionConfigured ? '' : 'Collection skipped: Notion not configured',
        };
      },
      // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
      async findCompletedStage({ refreshKey, stage }: { refreshKey: string; stage: Stage }) {
        lookups.push(stage);
        return completed.get(`${refreshKey}/${stage}`) ?? null;
      },
      // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
      async recordCompletedStage(request: { refreshKey: string; stage: Stage; result: unknown }) {
        completed.set(`${request.refreshKey}/${request.stage}`, request.result);
      },
    },
  };
}

/** Polls a condition every 100 ms for up to 20 s of wall time. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('condition not met within 20 s');
}

interface StandInResult {
  stage: Stage;
  input: Record<string, unknown>;
}

describe('refreshKnowledgeBase on the time-skipping server (stand-in children)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await startTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  function refresh(taskQueue: string, input: Record<string, unknown>, workflowId: string) {
    return environment.client.workflow.start('refreshKnowledgeBase', {
      taskQueue,
      workflowId,
      args: [input],
    });
  }

  it('runs collect, ETL and RAG in order, the ETL rechecking every document after the collection', async () => {
    const { activities, completed } = bookkeepingActivities({ notionConfigured: true });
    await withStubbedWorker(environment, activities, async (taskQueue) => {
      const handle = await refresh(taskQueue, { rag: { contextualMode: 'simple' } }, taskQueue);
      const result = (await handle.result()) as RefreshResult;

      assert.deepEqual(
        result.stages.map((stage) => [stage.stage, stage.status, stage.workflowId]),
        [
          ['collect', 'completed', `${taskQueue}-collect`],
          ['etl', 'completed', `${taskQueue}-etl`],
          ['rag', 'completed', `${taskQueue}-rag`],
        ],
      );
      const [, etl, rag] = result.stages.map((stage) => stage.result as StandInResult);
      // Every document, not only the collection's: a refresh rechecks each linked page.
      assert.deepEqual(etl!.input.source, { kind: 'all' });
      assert.deepEqual(rag!.input, { contextualMode: 'simple' });
      assert.equal(result.refreshKey, taskQueue);
      assert.deepEqual([...completed.keys()].sort(), [
        `${taskQueue}/collect`,
        `${taskQueue}/etl`,
        `${taskQueue}/rag`,
      ]);
      // Each child ran after the one before it finished.
      const history = await handle.fetchHistory();
      const childStarts = (history.events ?? [])
        .filter((event) => event.startChildWorkflowExecutionInitiatedEventAttributes)
        .map(
          (event) => event.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType?.name,
        );
      assert.deepEqual(childStarts, ['collectNotionData', 'etl', 'ragIndex']);
    });
  });

  it('skips collect without Notion and crawls every stored document', async () => {
    const { activities } = bookkeepingActivities({ notionConfigured: false });
    await withStubbedWorker(environment, activities, async (taskQueue) => {
      const result = (await (await refresh(taskQueue, {}, taskQueue)).result()) as RefreshResult;
      assert.deepEqual(
        result.stages.map((stage) => [stage.stage, stage.status]),
        [
          ['collect', 'skipped'],
          ['etl', 'completed'],
          ['rag', 'completed'],
        ],
      );
      assert.match(result.stages[0]!.note ?? '', /Notion not configured/);
      assert.deepEqual((result.stages[1]!.result as StandInResult).input.source, { kind: 'all' });
    });
  });

  it('after a failed stage, a re-run with the same key redoes only what had not finished', async () => {
    const { activities, completed } = bookkeepingActivities({ notionConfigured: true });
    await withStubbedWorker(environment, activities, async (taskQueue) => {
      const refreshKey = `${taskQueue}-key`;
      const failing = await refresh(taskQueue, { refreshKey, etl: { fail: true } }, taskQueue);
      await assert.rejects(failing.result(), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.ok(error.cause instanceof ChildWorkflowFailure);
        return true;
      });
      assert.deepEqual([...completed.keys()], [`${refreshKey}/collect`]);

      const rerun = await refresh(taskQueue, { refreshKey }, `${taskQueue}-again`);
      const result = (await rerun.result()) as RefreshResult;
      assert.deepEqual(
        result.stages.map((stage) => [stage.stage, stage.status]),
        [
          ['collect', 'reused'],
          ['etl', 'completed'],
          ['rag', 'completed'],
        ],
      );
      assert.deepEqual((result.stages[1]!.result as StandInResult).input.source, { kind: 'all' });
    });
  });

  it('cancelling the refresh cancels the running child and starts no later stage', async () => {
    const { activities, completed } = bookkeepingActivities({ notionConfigured: false });
    await withStubbedWorker(environment, activities, async (taskQueue) => {
      const handle = await refresh(taskQueue, { etl: { hang: true } }, taskQueue);
      const child = environment.client.workflow.getHandle(`${taskQueue}-etl`);
      // Wait in real time (time skipping stays off until a result is awaited): the ETL child
      // runs, then, after the cancel, the refresh has closed.
      await eventually(async () => (await child.describe()).status.name === 'RUNNING');
      await handle.cancel();
      await eventually(async () => (await handle.describe()).status.name !== 'RUNNING');

      await assert.rejects(handle.result(), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.ok(error.cause instanceof CancelledFailure, String(error.cause));
        return true;
      });
      assert.equal((await child.describe()).status.name, 'CANCELLED');
      await assert.rejects(environment.client.workflow.getHandle(`${taskQueue}-rag`).describe());
      assert.equal(completed.size, 0);
    });
  });
});
