import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';

export function writeRoundTripObject({ storage }: { storage: ObjectStorage }) {
  return async function writeRoundTripObject({
    key,
    text,
  }: {
    key: string;
    text: string;
  }): Promise<void> {
    await storage.putObject(key, text, 'text/plain; charset=utf-8');
    log.info('Wrote round-trip object', { key, bytes: Buffer.byteLength(text) });
  };
}

export function readRoundTripObject({ storage }: { storage: ObjectStorage }) {
  return async function readRoundTripObject({ key }: { key: string }): Promise<string> {
    const object = await storage.getObject(key);
    if (!object) throw new SecondBrainError('notFound', `S3 object ${key} does not exist`);
    return object.body.toString('utf8');
  };
}
