// The share of a stage that a workflow's running activities have done: each reports it in its
// heartbeat details (`progress`, see domain/progress.ts), which the server keeps with the
// pending activity. A crawl batch of 200 pages counts in the workflow's `progress` query only
// once it completes; with this the CLI's bars move page by page (as often as the worker sends
// heartbeats, at most every few seconds).
import type { WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import {
  activityProgressOf,
  type ActivityProgress,
  withActivityProgress,
} from '../../domain/progress.js';

/** The `progress` of every pending activity of the workflow that reports one. */
export async function runningActivityProgress(handle: WorkflowHandle): Promise<ActivityProgress[]> {
  const description = await handle.describe();
  const converter = handle.client.options.loadedDataConverter;
  const found: ActivityProgress[] = [];
  for (const activity of description.raw.pendingActivities ?? []) {
    const payloads = activity.heartbeatDetails?.payloads;
    if (!payloads?.length) continue;
    try {
      const progress = activityProgressOf(await decodeFromPayloadsAtIndex(converter, 0, payloads));
      if (progress) found.push(progress);
    } catch {
      // Details this client cannot decode (another codec key, say): the bar waits for the
      // activity to complete, as before.
    }
  }
  return found;
}

/**
 * The workflow's `progress` answer with its running activities' work added, or the answer as
 * it is when the workflow cannot be described (it just closed, or the server is busy).
 */
export async function progressWithRunningActivities(
  handle: WorkflowHandle,
  progress: unknown,
): Promise<unknown> {
  try {
    return withActivityProgress(progress, await runningActivityProgress(handle));
  } catch {
    return progress;
  }
}
