// When a summarizer last called an Inference Endpoint, in MongoDB (collection endpoint_usage,
// one document per endpoint URL). The summarizerEndpoint workflow pauses the endpoint once this
// is older than its idle window, so every process that summarizes through an endpoint marks it.
import type { Db } from 'mongodb';
import { COLLECTIONS } from '../../domain/names.js';

export interface EndpointUsageRecord {
  /** The endpoint's base URL without a trailing slash or /v1 (see endpointUsageKey). */
  _id: string;
  lastUsedAt: Date;
  /** Calls recorded in total (a rough measure of how much the endpoint serves). */
  calls: number;
}

export interface EndpointUsage {
  record(url: string): Promise<void>;
  lastUsedAt(url: string): Promise<Date | null>;
}

/** The same endpoint under its bare URL, with a slash, or with /v1 gets the same document. */
export function endpointUsageKey(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function createEndpointUsage(db: Db): EndpointUsage {
  const usage = db.collection<EndpointUsageRecord>(COLLECTIONS.endpointUsage);
  return {
    async record(url) {
      await usage.updateOne(
        { _id: endpointUsageKey(url) },
        { $set: { lastUsedAt: new Date() }, $inc: { calls: 1 } },
        { upsert: true },
      );
    },
    async lastUsedAt(url) {
      const record = await usage.findOne({ _id: endpointUsageKey(url) });
      return record?.lastUsedAt ?? null;
    },
  };
}
