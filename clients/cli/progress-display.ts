// Renders a running workflow's `progress` query as one progress bar per stage (with counts and
// an ETA) while `run --wait` waits. Without a terminal it prints a line now and then instead,
// and with --json it stays silent.
import type { WorkflowHandle } from '@temporalio/client';
import cliProgress from 'cli-progress';
import { normalizeProgress, PROGRESS_QUERY, type PipelineProgress } from '../../domain/progress.js';
import { progressWithRunningActivities } from './running-activity-progress.js';

const POLL_INTERVAL_MS = 1_000;
const PLAIN_LINE_INTERVAL_MS = 15_000;

export interface ProgressDisplay {
  stop(): Promise<void>;
}

function describeStages(progress: PipelineProgress): string {
  return progress.stages
    .map(
      (stage) =>
        `${stage.stage} ${stage.done}/${stage.total ?? '?'}${stage.failed ? ` (${stage.failed} failed)` : ''}`,
    )
    .join(', ');
}

export function showProgress(
  handle: WorkflowHandle,
  mode: 'bars' | 'lines' | 'silent',
): ProgressDisplay {
  if (mode === 'silent') return { stop: () => Promise.resolve() };
  let stopped = false;
  let lastLineAt = 0;
  const multibar =
    mode === 'bars'
      ? new cliProgress.MultiBar(
          {
            // The bar counts what is handled (done or failed), so the label splits it.
            format:
              ' {stage} |{bar}| {value}/{total} ({done} done, {failed} failed) | ETA {eta_formatted}',
            hideCursor: true,
            clearOnComplete: false,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();

  const render = (progress: PipelineProgress) => {
    if (multibar) {
      for (const stage of progress.stages) {
        const total = Math.max(stage.total ?? 0, stage.done + stage.failed, 1);
        const payload = { stage: stage.stage.padEnd(10), done: stage.done, failed: stage.failed };
        const bar = bars.get(stage.stage);
        if (bar) {
          bar.setTotal(total);
          bar.update(stage.done + stage.failed, payload);
        } else {
          bars.set(stage.stage, multibar.create(total, stage.done + stage.failed, payload));
        }
      }
    } else if (Date.now() - lastLineAt >= PLAIN_LINE_INTERVAL_MS && progress.stages.length > 0) {
      lastLineAt = Date.now();
      process.stderr.write(`progress: ${describeStages(progress)}\n`);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        // Queried before the running activities are read: an activity that completes in
        // between is then missed for one poll rather than counted twice.
        const progress = await handle.query(PROGRESS_QUERY);
        render(normalizeProgress(await progressWithRunningActivities(handle, progress)));
      } catch {
        // No progress query on this workflow (or it just finished): nothing to show.
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      try {
        render(normalizeProgress(await handle.query(PROGRESS_QUERY)));
      } catch {
        /* closed workflows may not answer queries */
      }
      multibar?.stop();
    },
  };
}
