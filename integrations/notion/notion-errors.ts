// Notion SDK errors in the platform's taxonomy: 429 is retryable after its Retry-After, a page
// that is missing or not shared with the integration is not.
import { APIResponseError, RequestTimeoutError, isHTTPResponseError } from '@notionhq/client';
import {
  SecondBrainError,
  errorForHttpStatus,
  isTransientNetworkError,
} from '../../domain/errors.js';

function header(headers: unknown, name: string): string | undefined {
  if (headers && typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  if (headers && typeof headers === 'object') {
    for (const [key, value] of Object.entries(headers as Record<string, unknown>))
      if (key.toLowerCase() === name) return String(value);
  }
  return undefined;
}

/**
 * Maps an error from a Notion call on `resource` (e.g. 'page 1f2e…') to a SecondBrainError.
 * Messages name the resource and never include the token.
 */
export function toNotionError(error: unknown, resource: string): unknown {
  if (error instanceof SecondBrainError) return error;
  if (isHTTPResponseError(error)) {
    const status = error.status;
    const code = error instanceof APIResponseError ? error.code : 'response_error';
    let explanation = `${code}: ${error.message}`;
    if (status === 404)
      explanation = `not found, or not shared with the Notion integration (${code})`;
    else if (status === 401)
      explanation = `the Notion token was refused; check NOTION_TOKEN (${code})`;
    else if (status === 403)
      explanation = `the Notion integration lacks permission to read it (${code})`;
    else if (status === 429) explanation = `rate limited by Notion (${code})`;
    return errorForHttpStatus(status, `Notion ${resource}: ${explanation}`, {
      cause: error,
      retryAfter: header(error.headers, 'retry-after'),
      details: { resource, code },
    });
  }
  if (error instanceof RequestTimeoutError || isTransientNetworkError(error)) {
    return new SecondBrainError('transient', `Notion ${resource}: ${(error as Error).message}`, {
      cause: error,
      details: { resource },
    });
  }
  return error;
}
