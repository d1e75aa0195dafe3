import { Context } from '@temporalio/activity';

const HEARTBEAT_MS = 2_000;

/** Heartbeats while a long call runs, so a crashed worker's attempt is retried within seconds. */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    // Called outside an activity (the benchmark's direct run): nothing to heartbeat.
  }
  const timer = context && setInterval(() => context.heartbeat(), HEARTBEAT_MS);
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
