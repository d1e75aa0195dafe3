import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../activities/to-application-failure.js';
import {
  SecondBrainError,
  errorForHttpStatus,
  failureKindForStatus,
  parseRetryAfter,
} from '../../domain/errors.js';

describe('error taxonomy', () => {
  it('classifies HTTP statuses', () => {
    assert.equal(failureKindForStatus(401), 'auth');
    assert.equal(failureKindForStatus(403), 'auth');
    assert.equal(failureKindForStatus(404), 'notFound');
    assert.equal(failureKindForStatus(410), 'notFound');
    assert.equal(failureKindForStatus(429), 'rateLimited');
    assert.equal(failureKindForStatus(408), 'transient');
    assert.equal(failureKindForStatus(409), 'transient');
    assert.equal(failureKindForStatus(503), 'transient');
    assert.equal(failureKindForStatus(400), 'validation');
    assert.equal(failureKindForStatus(422), 'validation');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('0.5'), 500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  it('turns a 429 with Retry-After into a retryable failure with nextRetryDelay', () => {
    const failure = toApplicationFailure(
      errorForHttpStatus(429, 'Notion rate limit', { retryAfter: '7' }),
    );
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'RateLimitedError');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 7000);
    assert.ok(failure.cause instanceof SecondBrainError);
  });

  it('makes auth, validation and not-found failures non-retryable, keeping the cause', () => {
    for (const [status, type] of [
      [401, 'AuthError'],
      [400, 'ValidationError'],
      [404, 'NotFoundError'],
    ] as const) {
      const original = errorForHttpStatus(status, `status ${status}`);
      const failure = toApplicationFailure(original);
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, type);
      assert.equal(failure.nonRetryable, true);
      assert.equal(failure.cause, original);
      assert.deepEqual(failure.details, [{ status }]);
    }
  });

  it('treats network errors as transient and unknown errors as retryable', () => {
    const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const transient = toApplicationFailure(network);
    assert.ok(transient instanceof ApplicationFailure);
    assert.equal(transient.type, 'TransientError');
    assert.equal(transient.nonRetryable, false);
    const unknown = toApplicationFailure(new TypeError('boom'));
    assert.ok(unknown instanceof ApplicationFailure);
    assert.equal(unknown.type, 'UnexpectedError');
    assert.equal(unknown.nonRetryable, false);
  });

  it('passes Temporal failures such as cancellation through untouched', () => {
    const cancelled = new CancelledFailure('cancelled');
    assert.equal(toApplicationFailure(cancelled), cancelled);
  });
});

describe('failure size', () => {
  it('a megabytes-long error message is cut before it reaches history', () => {
    for (const error of [
      new Error(`503 - ${'x'.repeat(3_000_000)}`),
      new SecondBrainError('transient', `503 - ${'x'.repeat(3_000_000)}`),
    ]) {
      const failure = toApplicationFailure(error);
      assert.ok(failure.message.length <= 2_000, `${failure.message.length} characters`);
      assert.ok((failure.cause as Error).message.length <= 2_000);
      assert.match(failure.message, /more characters\)$/);
    }
  });
});
