// Turns provider failures into the platform's error taxonomy, with messages that name the
// provider and model (never a key). Shared by the chat and embedding adapters.
import {
  SecondBrainError,
  errorForHttpStatus,
  isTransientNetworkError,
  parseRetryAfter,
} from '../../domain/errors.js';

export interface ModelIdentity {
  provider: string;
  model: string;
}

const CONTEXT_TOO_LONG =
  /context[_ ]length[_ ]exceeded|maximum context length|context (size|window) is too small|too many tokens|must be <= \d+|input is too long|prompt is too long/i;
const CONTENT_POLICY =
  /content[_ ]policy|content[_ ]filter|safety system|flagged as potentially violating/i;

export interface HttpFailure {
  status: number;
  message: string;
  code?: string | null;
  /** Retry-After (seconds or an HTTP date). */
  retryAfter?: string | null;
  /** OpenAI's retry-after-ms, more precise when present. */
  retryAfterMs?: string | null;
  cause: unknown;
}

/** Classifies an HTTP failure from a model API. */
export function modelHttpError(identity: ModelIdentity, failure: HttpFailure): SecondBrainError {
  const subject = `${identity.provider} model ${identity.model}`;
  const details = { provider: identity.provider, model: identity.model, status: failure.status };
  const text = `${failure.code ?? ''} ${failure.message}`;
  if (failure.status === 400 || failure.status === 413 || failure.status === 422) {
    if (CONTEXT_TOO_LONG.test(text))
      return new SecondBrainError(
        'permanent',
        `${subject}: the input is longer than the context window (HTTP ${failure.status}): ${failure.message}`,
        { cause: failure.cause, details: { ...details, reason: 'context_length_exceeded' } },
      );
    if (CONTENT_POLICY.test(text))
      return new SecondBrainError(
        'permanent',
        `${subject} refused the request under its content policy (HTTP ${failure.status}): ${failure.message}`,
        { cause: failure.cause, details: { ...details, reason: 'content_policy' } },
      );
  }
  const retryAfterMs =
    failure.retryAfterMs !== undefined &&
    failure.retryAfterMs !== null &&
    Number.isFinite(Number(failure.retryAfterMs))
      ? Number(failure.retryAfterMs)
      : parseRetryAfter(failure.retryAfter);
  const reason =
    failure.status === 401 || failure.status === 403
      ? 'authentication failed (check the API key or token)'
      : failure.status === 429
        ? 'rate limited'
        : failure.status >= 500
          ? 'server error'
          : 'request rejected';
  return errorForHttpStatus(
    failure.status,
    `${subject}: ${reason} (HTTP ${failure.status}): ${failure.message}`,
    { cause: failure.cause, retryAfterMs, details },
  );
}

/** Timeouts and connection failures are transient; anything else unknown is passed through. */
export function modelNetworkError(identity: ModelIdentity, error: unknown): unknown {
  if (error instanceof SecondBrainError) return error;
  if (isTransientNetworkError(error) || isTimeout(error)) {
    return new SecondBrainError(
      'transient',
      `${identity.provider} model ${identity.model}: ${isTimeout(error) ? 'request timed out' : 'connection failed'}: ${(error as Error).message}`,
      { cause: error, details: { provider: identity.provider, model: identity.model } },
    );
  }
  return error;
}

function isTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return (
    (typeof name === 'string' && /Timeout/i.test(name)) ||
    (typeof message === 'string' && /timed? ?out/i.test(message))
  );
}

/** A reply the provider itself marked as refused or filtered. */
export function contentRefusal(identity: ModelIdentity, detail: string): SecondBrainError {
  return new SecondBrainError(
    'permanent',
    `${identity.provider} model ${identity.model} refused to answer: ${detail}`,
    { details: { provider: identity.provider, model: identity.model, reason: 'content_policy' } },
  );
}
