// Live progress of `start`'s refresh: polls the refresh workflow's `progress` query and those
// of its stage workflows (collect, ETL, RAG: child workflows `<refresh id>-<stage>`), and
// redraws one line per stage in place on a terminal. Without one (a log file, CI) it prints
// the lines when they changed, at most every 15 s, so a log keeps a readable trace.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { normalizeProgress, PROGRESS_QUERY } from '../../domain/progress.js';
import {
  type RateMeter,
  renderRefreshProgress,
  type RefreshSnapshot,
} from '../../domain/refresh-progress.js';
import { progressWithRunningActivities } from './running-activity-progress.js';

const POLL_INTERVAL_MS = 1_000;
const PLAIN_INTERVAL_MS = 15_000;

export interface RefreshProgressDisplay {
  stop(): Promise<void>;
}

async function queryOrUndefined(handle: WorkflowHandle): Promise<unknown> {
  try {
    return await handle.query(PROGRESS_QUERY);
  } catch {
    // Not started yet, or closed and no longer answering: nothing to show for it.
    return undefined;
  }
}

export function showRefreshProgress(
  client: Client,
  refresh: WorkflowHandle,
  options: { interactive: boolean; stream?: NodeJS.WriteStream },
): RefreshProgressDisplay {
  const stream = options.stream ?? process.stderr;
  const meters = new Map<string, RateMeter>();
  const stages = {
    collect: client.workflow.getHandle(`${refresh.workflowId}-collect`),
    etl: client.workflow.getHandle(`${refresh.workflowId}-etl`),
    rag: client.workflow.getHandle(`${refresh.workflowId}-rag`),
  };
  // The last answer of each stage stays on screen once its workflow has closed.
  const last: RefreshSnapshot = { refresh: { stages: [] } };
  let drawn = 0;
  let lastPlain = '';
  let lastPlainAt = 0;
  let stopped = false;

  const draw = (final: boolean) => {
    const lines = renderRefreshProgress(last, Date.now(), meters);
    if (options.interactive) {
      const width = Math.max(40, (stream.columns ?? 120) - 1);
      // Back to the first line drawn last time, then each line cleared and rewritten.
      let text = drawn > 0 ? `\x1b[${drawn}F` : '';
      for (const line of lines) text += `\x1b[2K${line.slice(0, width)}\n`;
      stream.write(text);
      drawn = lines.length;
      return;
    }
    const text = lines.join('\n');
    if (text !== lastPlain && (final || Date.now() - lastPlainAt >= PLAIN_INTERVAL_MS)) {
      stream.write(`${text}\n`);
      lastPlain = text;
      lastPlainAt = Date.now();
    }
  };

  const poll = async () => {
    const [refreshProgress, collect, etl, rag] = await Promise.all([
      queryOrUndefined(refresh),
      queryOrUndefined(stages.collect),
      queryOrUndefined(stages.etl),
      queryOrUndefined(stages.rag),
    ]);
    if (refreshProgress !== undefined) last.refresh = normalizeProgress(refreshProgress);
    if (collect !== undefined) last.collect = collect;
    // The crawl batches running now count page by page, not only once each completes.
    if (etl !== undefined) last.etl = await progressWithRunningActivities(stages.etl, etl);
    if (rag !== undefined) last.rag = rag;
  };

  const loop = (async () => {
    while (!stopped) {
      await poll();
      if (!stopped) draw(false);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  })();

  let finishing: Promise<void> | undefined;
  return {
    stop() {
      stopped = true;
      return (finishing ??= (async () => {
        await loop;
        await poll();
        draw(true);
      })());
    },
  };
}
