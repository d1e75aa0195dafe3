// Per-host politeness: at most `limit` requests in flight to one host, whatever the crawlers'
// overall concurrency. One limiter serves every crawl of a process (the crawler port owns
// it), so two batches crawled at once still send a host no more than its limit. Slots are
// handed out in arrival order.
export class HostLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  /**
   * Waits for a slot on `host` (at most `limit` in flight there); the returned function frees
   * it (calling it twice is harmless).
   */
  async acquire(host: string, limit: number): Promise<() => void> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be >= 1');
    const inFlight = this.active.get(host) ?? 0;
    if (inFlight < limit) {
      this.active.set(host, inFlight + 1);
    } else {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(host) ?? [];
        queue.push(resolve);
        this.waiting.set(host, queue);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(host);
    };
  }

  private release(host: string): void {
    const next = this.waiting.get(host)?.shift();
    // The slot passes straight to the next waiter, so the count stays the same.
    if (next) return next();
    if (this.waiting.get(host)?.length === 0) this.waiting.delete(host);
    const inFlight = (this.active.get(host) ?? 1) - 1;
    if (inFlight <= 0) this.active.delete(host);
    else this.active.set(host, inFlight);
  }
}
