// One way for an activity to heartbeat while it awaits one long call (a model, a search, an
// index build): the server then learns of a dead worker within seconds and retries the attempt
// elsewhere, instead of waiting out the start-to-close timeout.
import { Context } from '@temporalio/activity';

/** How often; the SDK throttles what it sends to the server, so this only bounds staleness. */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * Runs `work`, heartbeating `details` (the progress a retry resumes from, if any) every
 * HEARTBEAT_INTERVAL_MS. Outside an activity (a benchmark's direct call) it just runs `work`.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, details?: unknown): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    // Not in an activity: nothing to heartbeat.
  }
  const timer =
    context &&
    setInterval(
      () => (details === undefined ? context.heartbeat() : context.heartbeat(details)),
      HEARTBEAT_INTERVAL_MS,
    );
  try {
    return await work();
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** The attempt number of the running activity (1 outside an activity). */
export function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}
