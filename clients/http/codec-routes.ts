// The codec endpoint of the Temporal UI's "remote codec" protocol: the UI (started with
// --ui-codec-endpoint, or configured in its settings) POSTs encoded payloads here and shows the
// decoded ones, so a user can read their own encrypted workflow data in the browser.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { PayloadDecryptionError } from '../../integrations/temporal/encryption-codec.js';
import { HttpError } from './http-server.js';

const jsonPayloadSchema = z.object({
  metadata: z.record(z.string(), z.string()).optional(),
  data: z.string().optional(),
});

export const codecRequestSchema = z.object({ payloads: z.array(jsonPayloadSchema) });

type JsonPayload = z.infer<typeof jsonPayloadSchema>;

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value, 'base64'),
      ]),
    ),
    data: payload.data === undefined ? undefined : Buffer.from(payload.data, 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value).toString('base64'),
      ]),
    ),
    data: payload.data ? Buffer.from(payload.data).toString('base64') : undefined,
  };
}

export async function runCodec(
  codec: PayloadCodec,
  direction: 'encode' | 'decode',
  body: unknown,
): Promise<{ payloads: JsonPayload[] }> {
  const request = codecRequestSchema.parse(body);
  const payloads = request.payloads.map(fromJson);
  try {
    const result =
      direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
    return { payloads: result.map(toJson) };
  } catch (error) {
    // The UI shows this text: say which payload problem it is (plaintext, unknown key id).
    if (error instanceof PayloadDecryptionError) throw new HttpError(422, error.message);
    throw error;
  }
}
