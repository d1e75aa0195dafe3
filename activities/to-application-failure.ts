// Maps any error thrown by an activity to an ApplicationFailure with an explicit type.
// Applied once, by the worker's activity interceptor, so activities just throw.
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { FAILURE_KINDS, SecondBrainError, isTransientNetworkError } from '../domain/errors.js';

export function toApplicationFailure(error: unknown): TemporalFailure {
  // Already a Temporal failure (including cancellation): pass it through untouched.
  if (error instanceof TemporalFailure) return error;
  if (error instanceof SecondBrainError) {
    return ApplicationFailure.create({
      message: error.message,
      type: FAILURE_KINDS[error.kind].type,
      nonRetryable: !error.retryable,
      cause: error,
      details: error.details === undefined ? undefined : [error.details],
      nextRetryDelay: error.retryable ? error.retryAfterMs : undefined,
    });
  }
  const cause = error instanceof Error ? error : new Error(String(error));
  return ApplicationFailure.create({
    message: cause.message,
    type: isTransientNetworkError(error) ? FAILURE_KINDS.transient.type : 'UnexpectedError',
    // Unknown errors stay retryable: the activity retry policy bounds the attempts.
    nonRetryable: false,
    cause,
  });
}
