// One error taxonomy for the whole platform. Integrations throw these; a worker interceptor turns
// them into Temporal ApplicationFailures with an explicit type, so Temporal (not SDK clients)
// decides what to retry and when.
import { redactSecrets } from './secret-redaction.js';

export const FAILURE_KINDS = {
  /** Bad input: retrying the same input cannot help. */
  validation: { type: 'ValidationError', retryable: false },
  /** Credentials missing, wrong or without permission. */
  auth: { type: 'AuthError', retryable: false },
  /** The resource does not exist or is not shared with us. */
  notFound: { type: 'NotFoundError', retryable: false },
  /** The service asked us to slow down; retry after its delay. */
  rateLimited: { type: 'RateLimitedError', retryable: true },
  /** Timeouts, 5xx, connection resets, a database that is briefly away. */
  transient: { type: 'TransientError', retryable: true },
  /** A definitive refusal that is not about input shape (e.g. content policy, context too long). */
  permanent: { type: 'PermanentError', retryable: false },
  /** A model's reply failed its schema even after one corrective retry. */
  invalidModelOutput: { type: 'InvalidModelOutputError', retryable: false },
} as const;

export type FailureKind = keyof typeof FAILURE_KINDS;

export interface SecondBrainErrorOptions {
  /** Delay the service asked for (e.g. from Retry-After), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
  /** Small, serializable facts for the failure's details (never secrets or page content). */
  details?: Record<string, unknown>;
}

export class SecondBrainError extends Error {
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly kind: FailureKind,
    message: string,
    options: SecondBrainErrorOptions = {},
  ) {
    // A server's error text (part of most messages) can echo the token it was sent.
    super(
      redactSecrets(message),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = FAILURE_KINDS[kind].type;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  get retryable(): boolean {
    return FAILURE_KINDS[this.kind].retryable;
  }
}

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Classifies an HTTP status from any service into the taxonomy. */
export function failureKindForStatus(status: number): FailureKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404 || status === 410) return 'notFound';
  if (status === 429) return 'rateLimited';
  if (status === 408 || status === 409 || status === 425 || status >= 500) return 'transient';
  if (status >= 400) return 'validation';
  return 'transient';
}

export function errorForHttpStatus(
  status: number,
  message: string,
  options: SecondBrainErrorOptions & { retryAfter?: string | null } = {},
): SecondBrainError {
  const { retryAfter, ...rest } = options;
  return new SecondBrainError(failureKindForStatus(status), message, {
    ...rest,
    retryAfterMs: rest.retryAfterMs ?? parseRetryAfter(retryAfter),
    details: { status, ...rest.details },
  });
}

/** Node and driver error codes that mean "the other side is briefly away". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** True when an unknown error looks like a network or server hiccup worth retrying. */
export function isTransientNetworkError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (
      typeof name === 'string' &&
      /MongoNetwork|MongoServerSelection|TimeoutError|AbortError/.test(name)
    )
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
