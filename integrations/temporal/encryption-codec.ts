// Optional payload encryption: with a key configured, every workflow input, result, activity
// argument and query answer is sealed with AES-256-GCM before it reaches the Temporal server,
// so the server (and its SQLite file) never holds plaintext notes. The key id travels in the
// payload metadata, so a key rotation can tell which key sealed a payload.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const ENCODING_KEY = 'encoding';
const KEY_ID_KEY = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly key: Buffer,
    readonly keyId: string,
  ) {
    if (key.length !== 32)
      throw new Error(`AES-256-GCM needs a 32-byte key, got ${key.length} bytes`);
  }

  /** Parses a base64 key as configured in PAYLOAD_ENCRYPTION_KEY. */
  static fromBase64(base64Key: string, keyId: string): EncryptionCodec {
    return new EncryptionCodec(Buffer.from(base64Key, 'base64'), keyId);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
          [KEY_ID_KEY]: utf8.encode(this.keyId),
        },
        data: sealed,
      };
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[ENCODING_KEY];
      if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_KEY];
      const keyId = keyIdBytes ? fromUtf8.decode(keyIdBytes) : '(none)';
      if (keyId !== this.keyId) {
        throw new Error(
          `Payload was encrypted with key id "${keyId}", but the configured key id is "${this.keyId}"`,
        );
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('Encrypted payload is truncated');
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
