// Optional payload encryption: with a key configured, every workflow input, result, activity
// argument and query answer is sealed with AES-256-GCM before it reaches the Temporal server,
// so the server (and its SQLite file) never holds plaintext notes. The id of the sealing key
// travels in the payload metadata and the codec holds a key ring: after a rotation the old keys
// still open the histories of running workflows while the newest key seals everything new.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const ENCODING_KEY = 'encoding';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface KeyRing {
  /** Every key that may open a payload, by id (oldest first). */
  keys: ReadonlyArray<{ id: string; key: Buffer }>;
  /** The key that seals new payloads. */
  activeKeyId: string;
  /** Pass unencrypted payloads through on decode (migration only); otherwise they are refused. */
  allowPlaintext?: boolean;
}

/** Why a payload cannot be opened; its message names the problem (and the key id). */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly activeKey: Buffer;
  readonly keyId: string;
  private readonly allowPlaintext: boolean;

  constructor(ring: KeyRing) {
    const keys = new Map<string, Buffer>();
    for (const { id, key } of ring.keys) {
      if (key.length !== 32)
        throw new Error(`AES-256-GCM needs a 32-byte key, key "${id}" has ${key.length} bytes`);
      keys.set(id, key);
    }
    const active = keys.get(ring.activeKeyId);
    if (!active) throw new Error(`The sealing key "${ring.activeKeyId}" is not in the key ring`);
    this.keys = keys;
    this.activeKey = active;
    this.keyId = ring.activeKeyId;
    this.allowPlaintext = ring.allowPlaintext ?? false;
  }

  /** A one-key ring from a base64 key, as configured in PAYLOAD_ENCRYPTION_KEY. */
  static fromBase64(base64Key: string, keyId: string): EncryptionCodec {
    return new EncryptionCodec({
      keys: [{ id: keyId, key: Buffer.from(base64Key, 'base64') }],
      activeKeyId: keyId,
    });
  }

  /** Ids of the keys that can open payloads, oldest first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.activeKey, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8.encode(this.keyId),
        },
        data: sealed,
      };
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encodingBytes = payload.metadata?.[ENCODING_KEY];
      const encoding = encodingBytes ? fromUtf8.decode(encodingBytes) : undefined;
      if (encoding !== ENCRYPTED_ENCODING) {
        // A plaintext payload in an encrypted deployment was written by something without the
        // codec (an old history, a tool, an attacker with server access): not silently trusted.
        if (this.allowPlaintext) return payload;
        throw new PayloadDecryptionError(
          `Refused an unencrypted payload (encoding "${encoding ?? 'none'}"): payload encryption is on. ` +
            'Set PAYLOAD_ENCRYPTION_ALLOW_PLAINTEXT=true only while migrating histories written before encryption was turned on.',
        );
      }
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? fromUtf8.decode(keyIdBytes) : '(none)';
      const key = this.keys.get(keyId);
      if (!key) {
        throw new PayloadDecryptionError(
          `Payload was encrypted with key id "${keyId}", which is not in the key ring (ids: ${this.keyIds.join(', ')}); add it to PAYLOAD_ENCRYPTION_KEYS`,
        );
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      if (sealed.length < IV_BYTES + TAG_BYTES)
        throw new PayloadDecryptionError(`Encrypted payload (key id "${keyId}") is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
