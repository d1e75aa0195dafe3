// Where an ETL run's seconds went, from two sources: the workflow's history (each activity
// type's scheduled-to-completed seconds, and the time between crawl batches that no activity
// covers) and the crawl activity's own `ETL batch timings` log lines.

type HistoryEvent = Record<string, unknown>;

function eventSeconds(event: HistoryEvent): number {
  const time = event.eventTime as { seconds?: { toNumber(): number } | number; nanos?: number };
  const whole = typeof time.seconds === 'number' ? time.seconds : (time.seconds?.toNumber() ?? 0);
  return whole + (time.nanos ?? 0) / 1e9;
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * Seconds per activity type (scheduled to completed), plus for the crawl batches: seconds
 * between scheduling and a worker starting them (`crawlBatchQueuedSeconds`), between one
 * batch completing and the next being scheduled (`betweenCrawlBatchesSeconds`), from the
 * workflow's start to the first batch's (`toFirstCrawlBatchSeconds`) and from the last batch's
 * completion to the workflow's (`afterLastCrawlBatchSeconds`).
 */
export async function activitySeconds(handle: {
  fetchHistory(): Promise<{ events?: unknown[] | null }>;
}): Promise<Record<string, number>> {
  const history = (await handle.fetchHistory()) as { events?: HistoryEvent[] };
  const scheduled = new Map<string, { type: string; time: number }>();
  const totals: Record<string, number> = {};
  const add = (name: string, value: number) => (totals[name] = round((totals[name] ?? 0) + value));
  const crawlSchedules: number[] = [];
  const crawlCompletions: number[] = [];
  const events = history.events ?? [];
  let firstCrawlStart: number | undefined;
  for (const event of events) {
    const attributes = event.activityTaskScheduledEventAttributes as
      { activityType?: { name?: string } } | undefined;
    if (attributes) {
      const type = attributes.activityType?.name ?? '?';
      scheduled.set(String(event.eventId), { type, time: eventSeconds(event) });
      if (type === 'crawlEtlBatch') crawlSchedules.push(eventSeconds(event));
    }
    const started = event.activityTaskStartedEventAttributes as
      { scheduledEventId?: unknown } | undefined;
    const startedOf = started && scheduled.get(String(started.scheduledEventId));
    if (startedOf && startedOf.type === 'crawlEtlBatch') {
      add('crawlBatchQueuedSeconds', eventSeconds(event) - startedOf.time);
      firstCrawlStart ??= eventSeconds(event);
    }
    const completed = event.activityTaskCompletedEventAttributes as
      { scheduledEventId?: unknown } | undefined;
    const completedOf = completed && scheduled.get(String(completed.scheduledEventId));
    if (completedOf) {
      add(completedOf.type, eventSeconds(event) - completedOf.time);
      if (completedOf.type === 'crawlEtlBatch') crawlCompletions.push(eventSeconds(event));
    }
  }
  // The fixed costs around the crawl: workflow start to the first batch's start, and the last
  // batch's completion to the workflow's.
  if (firstCrawlStart !== undefined && events.length > 0) {
    add('toFirstCrawlBatchSeconds', firstCrawlStart - eventSeconds(events[0]!));
    const lastCompletion = Math.max(...crawlCompletions);
    add('afterLastCrawlBatchSeconds', eventSeconds(events.at(-1)!) - lastCompletion);
  }
  for (let index = 1; index < crawlSchedules.length; index++) {
    const previousCompletion = crawlCompletions[index - 1];
    if (previousCompletion !== undefined && crawlSchedules[index]! > previousCompletion)
      add('betweenCrawlBatchesSeconds', crawlSchedules[index]! - previousCompletion);
  }
  return totals;
}

/**
 * Sums the `ETL batch timings` log lines in `text` (the crawl activity's split of its seconds:
 * set-up, crawl, crawlee's phases, extraction, writes, the final drain, the S3 reports).
 */
export function batchTimings(text: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const chunk of text.split('ETL batch timings').slice(1)) {
    const line = chunk.split(/\[(?:INFO|WARN|ERROR|DEBUG)\]/)[0]!;
    for (const [, name, value] of line.matchAll(/"?(\w*Seconds|writes)"?: ?([\d.]+)/g))
      totals[name!] = round((totals[name!] ?? 0) + Number(value));
  }
  return totals;
}
