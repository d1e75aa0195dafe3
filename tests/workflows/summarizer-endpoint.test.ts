// The summarizer endpoint's pause-when-idle logic on the time-skipping server: the idle window
// is the real default (15 minutes) and passes in well under a second of wall time; the REST API
// is replaced by stub activities that record what the workflow asked for, and when.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseWorkflowInput, type WorkflowWithInput } from '../../domain/workflow-inputs.js';
import type { SummarizerEndpointResult } from '../../workflows/summarizer-endpoint.js';
import {
  startTimeSkippingEnvironment,
  withStubbedWorker,
} from '../support/time-skipping-environment.js';

const MINUTE = 60_000;
const NAMESPACE = 'you';
const NAME = 'second-brain-summarizer';

interface Call {
  activity: string;
  /** Workflow time (the test server's clock) when the activity ran. */
  at: number;
  runId: string;
  attempt: number;
}

/** Stub activities for an endpoint that starts running at once; `idle` answers each check. */
function endpointActivities(
  environment: TestWorkflowEnvironment,
  idle: (check: number, now: number) => { state: string; lastUsedAt: number | null },
  overrides: Record<string, (...args: never[]) => Promise<unknown>> = {},
) {
  const calls: Call[] = [];
  const snapshot = (state: string) => ({
    namespace: NAMESPACE,
    name: NAME,
    state,
    url: state === 'running' ? 'https://endpoint.test/v1' : null,
    repository: 'you/summarizer',
    revision: 'abc123',
    message: null,
  });
  async function record(activity: string): Promise<number> {
    const now = await environment.currentTimeMs();
    const info = Context.current().info;
    calls.push({
      activity,
      at: now,
      runId: info.workflowExecution?.runId ?? '',
      attempt: info.attempt,
    });
    return now;
  }
  const activities = {
    // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
    async parseWorkflowInput(request: { workflowType: WorkflowWithInput; input: unknown }) {
      return parseWorkflowInput(request.workflowType, request.input);
    },
    async resolveEndpointTarget() {
      await record('resolveEndpointTarget');
      return { namespace: NAMESPACE, name: NAME, repository: 'you/summarizer', revision: 'abc123' };
    },
    async ensureEndpoint() {
      await record('ensureEndpoint');
      return { endpoint: snapshot('initializing'), change: 'created' };
    },
    async awaitEndpointRunning() {
      await record('awaitEndpointRunning');
      return snapshot('running');
    },
    async checkEndpointIdle() {
      const now = await record('checkEndpointIdle');
      const check = calls.filter((call) => call.activity === 'checkEndpointIdle').length;
      return { ...idle(check, now), url: 'https://endpoint.test/v1' };
    },
    async pauseEndpoint() {
      await record('pauseEndpoint');
      return snapshot('paused');
    },
    ...overrides,
  };
  return { activities, calls };
}

function callsOf(calls: Call[], activity: string): Call[] {
  return calls.filter((call) => call.activity === activity);
}

describe('summarizerEndpoint on the time-skipping server (stub REST activities)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await startTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  async function run(activities: object, input: Record<string, unknown> = {}) {
    return withStubbedWorker(environment, activities, async (taskQueue) => {
      const started = Date.now();
      const result: unknown = await environment.client.workflow.execute('summarizerEndpoint', {
        taskQueue,
        workflowId: `summarizer-endpoint-${taskQueue}`,
        args: [input],
      });
      return { result: result as SummarizerEndpointResult, wallMs: Date.now() - started };
    });
  }

  it('pauses the endpoint 15 idle minutes after it runs, in seconds of wall time', async () => {
    const { activities, calls } = endpointActivities(environment, () => ({
      state: 'running',
      lastUsedAt: null,
    }));
    const { result, wallMs } = await run(activities);

    assert.equal(result.pausedBy, 'idle');
    assert.equal(result.state, 'paused');
    assert.equal(result.change, 'created');
    const running = callsOf(calls, 'awaitEndpointRunning')[0]!;
    const paused = callsOf(calls, 'pauseEndpoint')[0]!;
    assert.equal(callsOf(calls, 'checkEndpointIdle').length, 1);
    assert.ok(paused.at - running.at >= 15 * MINUTE, `paused after ${paused.at - running.at} ms`);
    assert.ok(paused.at - running.at < 16 * MINUTE, `paused after ${paused.at - running.at} ms`);
    assert.ok(wallMs < 30_000, `took ${wallMs} ms of wall time`);
  });

  it('moves the deadline when a summarizer used the endpoint during the window', async () => {
    let usedAt = 0;
    const { activities, calls } = endpointActivities(environment, (check, now) => {
      // Used 10 minutes into the first window: the next deadline is 15 minutes after that use.
      if (check === 1) usedAt = now - 5 * MINUTE;
      return { state: 'running', lastUsedAt: usedAt };
    });
    const { result } = await run(activities);

    assert.equal(result.pausedBy, 'idle');
    const checks = callsOf(calls, 'checkEndpointIdle');
    assert.equal(checks.length, 2);
    const paused = callsOf(calls, 'pauseEndpoint')[0]!;
    assert.ok(paused.at - usedAt >= 15 * MINUTE, `paused ${paused.at - usedAt} ms after use`);
    assert.ok(checks[1]!.at - checks[0]!.at >= 10 * MINUTE - 1_000);
  });

  it('ends without pausing when someone else paused the endpoint', async () => {
    const { activities, calls } = endpointActivities(environment, () => ({
      state: 'paused',
      lastUsedAt: null,
    }));
    const { result } = await run(activities);

    assert.equal(result.pausedBy, 'external');
    assert.equal(result.state, 'paused');
    assert.equal(callsOf(calls, 'pauseEndpoint').length, 0);
  });

  it('continues as new after checksPerRun checks and carries the idle time over', async () => {
    const { activities, calls } = endpointActivities(environment, (check, now) => ({
      state: 'running',
      // Busy for the first three checks (used a minute ago), then idle.
      lastUsedAt: check <= 3 ? now - MINUTE : null,
    }));
    const { result } = await run(activities, { checksPerRun: 1 });

    assert.equal(result.pausedBy, 'idle');
    const checks = callsOf(calls, 'checkEndpointIdle');
    assert.equal(checks.length, 4);
    const runs = new Set(checks.map((call) => call.runId));
    assert.equal(runs.size, 4, 'one check per run');
    // The endpoint is created once; later runs resume the watch, ensuring again finds it running.
    assert.equal(callsOf(calls, 'pauseEndpoint').length, 1);
    const lastUse = checks[2]!.at - MINUTE;
    const paused = callsOf(calls, 'pauseEndpoint')[0]!;
    assert.ok(paused.at - lastUse >= 15 * MINUTE, 'the carried idle time still counts');
  });

  it('retries a failing REST call with backoff, 10 attempts at most, in seconds of wall time', async () => {
    let failures = 0;
    const { activities, calls } = endpointActivities(
      environment,
      () => ({ state: 'running', lastUsedAt: null }),
      {
        async pauseEndpoint() {
          const now = await environment.currentTimeMs();
          const info = Context.current().info;
          calls.push({
            activity: 'pauseEndpoint',
            at: now,
            runId: info.workflowExecution?.runId ?? '',
            attempt: info.attempt,
          });
          failures++;
          throw ApplicationFailure.create({ message: 'HTTP 503', type: 'UnavailableError' });
        },
      },
    );
    const started = Date.now();
    await assert.rejects(run(activities), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ActivityFailure);
      assert.equal((error.cause.cause as ApplicationFailure).type, 'UnavailableError');
      return true;
    });
    const attempts = callsOf(calls, 'pauseEndpoint');
    assert.equal(failures, 10, 'maximumAttempts 10');
    assert.deepEqual(
      attempts.map((call) => call.attempt),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    // Backoff 1 s doubling to at most 1 minute: 1+2+4+8+16+32+60+60+60 = 243 s between attempts.
    const backoff = attempts.at(-1)!.at - attempts[0]!.at;
    assert.ok(backoff >= 243_000, `attempts spread over ${backoff} ms of workflow time`);
    assert.ok(Date.now() - started < 60_000, 'the backoff timers were skipped');
  });

  it('does not retry a non-retryable failure', async () => {
    let attempts = 0;
    const { activities } = endpointActivities(
      environment,
      () => ({ state: 'running', lastUsedAt: null }),
      {
        // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
        async pauseEndpoint() {
          attempts++;
          throw ApplicationFailure.create({
            message: 'HTTP 401',
            type: 'AuthenticationError',
            nonRetryable: true,
          });
        },
      },
    );
    await assert.rejects(run(activities), WorkflowFailedError);
    assert.equal(attempts, 1);
  });

  it('fails at once on invalid input, naming the field', async () => {
    const { activities, calls } = endpointActivities(environment, () => ({
      state: 'running',
      lastUsedAt: null,
    }));
    await assert.rejects(run(activities, { idlePauseMinutes: 'soon' }), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(String((error.cause as ApplicationFailure).message), /idlePauseMinutes/);
      return true;
    });
    assert.equal(calls.length, 0);
  });
});
