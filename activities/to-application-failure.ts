// Maps any error thrown by an activity to an ApplicationFailure with an explicit type.
// Applied once, by the worker's activity interceptor, so activities just throw.
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { FAILURE_KINDS, SecondBrainError, isTransientNetworkError } from '../domain/errors.js';
import { boundText } from '../domain/bounded-text.js';
import { redactErrorChain, redactSecrets } from '../domain/secret-redaction.js';

/** Longest failure message kept in history: a server's error text can be megabytes long. */
const MAX_FAILURE_MESSAGE_CHARS = 2_000;

/** Cuts the error's own message and stack too: Temporal serializes the cause with them. */
function bounded<T extends Error>(error: T): T {
  // Temporal serializes the whole cause chain (message and stack of each): no secret in any.
  redactErrorChain(error);
  if (error.message.length > MAX_FAILURE_MESSAGE_CHARS)
    error.message = boundText(error.message, MAX_FAILURE_MESSAGE_CHARS);
  if (error.stack && error.stack.length > 2 * MAX_FAILURE_MESSAGE_CHARS)
    error.stack = boundText(error.stack, 2 * MAX_FAILURE_MESSAGE_CHARS);
  return error;
}

export function toApplicationFailure(error: unknown): TemporalFailure {
  // Already a Temporal failure (including cancellation): pass it through untouched.
  if (error instanceof TemporalFailure) return error;
  if (error instanceof SecondBrainError) {
    bounded(error);
    return ApplicationFailure.create({
      message: error.message,
      type: FAILURE_KINDS[error.kind].type,
      nonRetryable: !error.retryable,
      cause: error,
      details:
        error.details === undefined
          ? undefined
          : [JSON.parse(redactSecrets(JSON.stringify(error.details))) as unknown],
      nextRetryDelay: error.retryable ? error.retryAfterMs : undefined,
    });
  }
  const cause = bounded(error instanceof Error ? error : new Error(String(error)));
  return ApplicationFailure.create({
    message: cause.message,
    type: isTransientNetworkError(error) ? FAILURE_KINDS.transient.type : 'UnexpectedError',
    // Unknown errors stay retryable: the activity retry policy bounds the attempts.
    nonRetryable: false,
    cause,
  });
}
