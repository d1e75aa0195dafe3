// Shows a running workflow's `progress` query while `run --wait` waits: a progress bar on an
// interactive terminal, a line every 15 s otherwise (both on stderr). Workflows without the
// query are simply waited for.
import { SingleBar, Presets } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { note } from './output.js';

export interface ProgressCounts {
  stage: string;
  done: number;
  failed: number;
  total: number;
}

/** Finds {done, failed, pending[, total]} in a progress query's answer (e.g. the ETL's crawl). */
export function progressCounts(progress: unknown): ProgressCounts | undefined {
  if (!progress || typeof progress !== 'object') return undefined;
  const record = progress as Record<string, unknown>;
  const stage = typeof record.stage === 'string' ? record.stage : 'running';
  for (const value of [record, ...Object.values(record)]) {
    if (!value || typeof value !== 'object') continue;
    const counts = value as Record<string, unknown>;
    if (typeof counts.done === 'number' && typeof counts.pending === 'number') {
      const failed = typeof counts.failed === 'number' ? counts.failed : 0;
      const total =
        typeof counts.total === 'number' ? counts.total : counts.done + failed + counts.pending;
      return { stage, done: counts.done + failed, failed, total };
    }
  }
  return undefined;
}

/** Polls the `progress` query until `finished` settles. */
export async function showProgressWhile(
  handle: WorkflowHandle,
  finished: Promise<unknown>,
  interactive: boolean,
): Promise<void> {
  let settled = false;
  void finished.then(
    () => (settled = true),
    () => (settled = true),
  );
  const bar = interactive
    ? new SingleBar(
        {
          format: '{stage} [{bar}] {value}/{total} pages, {failed} failed',
          stream: process.stderr,
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let lastLine = 0;
  try {
    while (!settled) {
      let counts: ProgressCounts | undefined;
      try {
        counts = progressCounts(await handle.query('progress'));
      } catch {
        return; // No progress query on this workflow (or it is gone): just wait.
      }
      if (counts) {
        if (bar && !started) {
          bar.start(counts.total, counts.done, { stage: counts.stage, failed: counts.failed });
          started = true;
        } else if (bar) {
          bar.setTotal(counts.total);
          bar.update(counts.done, { stage: counts.stage, failed: counts.failed });
        } else if (Date.now() - lastLine > 15_000) {
          note(`${counts.stage}: ${counts.done}/${counts.total} done, ${counts.failed} failed`);
          lastLine = Date.now();
        }
      }
      await Promise.race([finished.catch(() => undefined), sleep(1_000)]);
    }
  } finally {
    if (started) bar?.stop();
  }
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
