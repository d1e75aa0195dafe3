// The one data converter module shared by workers and clients: both must agree on how
// payloads are encoded, or a client could not read what a worker wrote.
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../../config/environment.js';
import { EncryptionCodec } from './encryption-codec.js';

export function createPayloadCodec(config: Config): EncryptionCodec | undefined {
  const { encryption } = config.temporal;
  if (!encryption) return undefined;
  return new EncryptionCodec({
    keys: encryption.keys.map(({ id, key }) => ({ id, key: Buffer.from(key, 'base64') })),
    activeKeyId: encryption.activeKeyId,
    allowPlaintext: encryption.allowPlaintext,
  });
}

export function createDataConverter(config: Config): DataConverter {
  const codec = createPayloadCodec(config);
  return codec ? { payloadCodecs: [codec] } : {};
}
