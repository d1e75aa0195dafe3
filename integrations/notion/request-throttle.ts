// One throttle per worker process, shared by every Notion call its activities make: Notion
// allows about three requests per second per integration, however many activities run at once.

export interface RequestThrottle {
  /** Waits for the next free slot, then runs the request. */
  schedule<T>(request: () => Promise<T>): Promise<T>;
}

export function createRequestThrottle(
  requestsPerSecond: number,
  clock: { now(): number; sleep(ms: number): Promise<void> } = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
): RequestThrottle {
  const intervalMs = 1000 / requestsPerSecond;
  // The start time reserved by the most recent caller; each caller reserves the next slot
  // synchronously, so concurrent callers never share one.
  let nextSlot = 0;
  return {
    async schedule(request) {
      const now = clock.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + intervalMs;
      if (slot > now) await clock.sleep(slot - now);
      return request();
    },
  };
}
