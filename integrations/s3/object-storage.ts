// Object storage over the S3 API. Page content, chunks and datasets live here so that workflow
// history only ever carries keys.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Config } from '../../config/environment.js';
import {
  SecondBrainError,
  errorForHttpStatus,
  isTransientNetworkError,
} from '../../domain/errors.js';

export type S3Settings = Pick<
  Config['s3'],
  'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey' | 'bucket'
>;

export interface StoredObject {
  key: string;
  body: Buffer;
  contentType: string | undefined;
  etag: string | undefined;
}

export interface ObjectStorage {
  readonly bucket: string;
  ensureBucket(): Promise<void>;
  putObject(
    key: string,
    body: string | Uint8Array,
    contentType?: string,
  ): Promise<{ etag: string | undefined }>;
  /** Returns undefined when the key does not exist. */
  getObject(key: string): Promise<StoredObject | undefined>;
  putJson(key: string, value: unknown): Promise<{ etag: string | undefined }>;
  /** Returns undefined when the key does not exist. */
  getJson(key: string): Promise<unknown>;
  listKeys(prefix: string): AsyncIterable<string>;
  deleteObject(key: string): Promise<void>;
  listBuckets(): Promise<string[]>;
  close(): void;
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // Temporal owns retries: one attempt per activity attempt.
    maxAttempts: 1,
  });
}

/** Translates S3 SDK errors into the platform's taxonomy. */
export function toStorageError(error: unknown, action: string): unknown {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 500;
    return errorForHttpStatus(status, `S3 ${action} failed: ${error.name}: ${error.message}`, {
      cause: error,
    });
  }
  if (isTransientNetworkError(error)) {
    return new SecondBrainError('transient', `S3 ${action} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' ||
      error.name === 'NotFound' ||
      error.$metadata.httpStatusCode === 404)
  );
}

export function createObjectStorage(settings: S3Settings): ObjectStorage {
  const client = createS3Client(settings);
  const bucket = settings.bucket;

  async function guarded<T>(action: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toStorageError(error, action);
    }
  }

  return {
    bucket,
    async ensureBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (error) {
        if (!isMissing(error)) throw toStorageError(error, `HeadBucket ${bucket}`);
      }
      await guarded(`CreateBucket ${bucket}`, async () => {
        try {
          await client.send(new CreateBucketCommand({ Bucket: bucket }));
        } catch (error) {
          // Another process created it between our check and our create.
          if (
            error instanceof S3ServiceException &&
            /BucketAlready(OwnedByYou|Exists)/.test(error.name)
          )
            return;
          throw error;
        }
      });
    },
    async putObject(key, body, contentType) {
      return guarded(`PutObject ${key}`, async () => {
        const result = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            // Explicit, so an empty object is sent as such (the SDK leaves the length out for an
            // empty body and then warns about "a Stream of unknown length").
            ContentLength: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
          }),
        );
        return { etag: result.ETag };
      });
    },
    async getObject(key) {
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const bytes = await result.Body!.transformToByteArray();
        return {
          key,
          body: Buffer.from(bytes),
          contentType: result.ContentType,
          etag: result.ETag,
        };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw toStorageError(error, `GetObject ${key}`);
      }
    },
    async putJson(key, value) {
      return this.putObject(key, JSON.stringify(value), 'application/json');
    },
    async getJson(key) {
      const object = await this.getObject(key);
      if (!object) return undefined;
      try {
        return JSON.parse(object.body.toString('utf8')) as unknown;
      } catch (error) {
        throw new SecondBrainError('validation', `S3 object ${key} is not valid JSON`, {
          cause: error,
        });
      }
    },
    async *listKeys(prefix) {
      let continuationToken: string | undefined;
      do {
        const page = await guarded(`ListObjectsV2 ${prefix}`, () =>
          client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ContinuationToken: continuationToken,
            }),
          ),
        );
        for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
    },
    async deleteObject(key) {
      await guarded(`DeleteObject ${key}`, () =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
      );
    },
    async listBuckets() {
      const result = await guarded('ListBuckets', () => client.send(new ListBucketsCommand({})));
      return (result.Buckets ?? []).flatMap((entry) => (entry.Name ? [entry.Name] : []));
    },
    close() {
      client.destroy();
    },
  };
}
