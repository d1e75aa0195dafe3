// The offline pipelines' activity policies, in one place: plain constants (deterministic, no
// imports at runtime), spread into each workflow's proxyActivities. Temporal owns retries, so
// these are the whole retry story of an activity; a workflow that needs a variant spreads one
// of these and overrides a field, so the difference is visible where it is made.
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';

/** Exponential backoff from 1 s to 1 min, 10 attempts: storage, models and remote APIs. */
export const PIPELINE_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 10,
};

/** Reads and writes of S3 and MongoDB, and other short bookkeeping: 5 minutes an attempt. */
export const STORAGE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: PIPELINE_RETRY,
};
