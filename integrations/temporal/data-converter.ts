// The one data converter module shared by workers and clients: both must agree on how
// payloads are encoded, or a client could not read what a worker wrote.
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../../config/environment.js';
import { EncryptionCodec } from './encryption-codec.js';

export function createPayloadCodec(config: Config): EncryptionCodec | undefined {
  const { encryptionKey, encryptionKeyId } = config.temporal;
  return encryptionKey ? EncryptionCodec.fromBase64(encryptionKey, encryptionKeyId) : undefined;
}

export function createDataConverter(config: Config): DataConverter {
  const codec = createPayloadCodec(config);
  return codec ? { payloadCodecs: [codec] } : {};
}
