// The page size cap counted on decoded bytes, as they stream out of the decompressor.
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { PageTooLargeError } from './crawl-outcome.js';

/**
 * A stream that passes the decoded body through and fails as soon as more than `limit` bytes
 * came out of the decompressor: a small gzip body can inflate to hundreds of megabytes, and
 * got's download progress counts the compressed bytes only.
 */
export function capDecodedBody(
  response: IncomingMessage,
  url: string,
  limit: number,
): IncomingMessage {
  let total = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > limit) {
        response.destroy();
        callback(new PageTooLargeError(url, limit));
        return;
      }
      callback(null, chunk);
    },
  });
  response.once('error', (error) => capped.destroy(error));
  response.pipe(capped);
  // crawlee reads these from the response it is given.
  for (const property of [
    'statusCode',
    'statusMessage',
    'headers',
    'rawHeaders',
    'httpVersion',
    'url',
    'request',
    'complete',
  ] as const)
    Object.defineProperty(capped, property, {
      get: () => (response as unknown as Record<string, unknown>)[property],
      configurable: true,
    });
  return capped as unknown as IncomingMessage;
}
