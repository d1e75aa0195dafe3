// The watch part of awaitTrainingJob: polls the job until it leaves `running`, streams its logs
// into heartbeats (latest step and loss), stops a local job at its timeout, and cancels the job
// when the activity is cancelled.
import { CancelledFailure, Context, log } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import { trainingFailure } from '../../domain/fine-tune.js';
import { parseTrainingLine, TrainingOutput } from '../../domain/training-log.js';
import type { TrainingJobRecord } from '../../integrations/mongo/stores/training-jobs.js';
import type { TrainingBackend } from '../../integrations/training/training-backend.js';
import type { FineTuneDependencies } from './dependencies.js';

/** How often a watching activity heartbeats between polls, so a dead worker is noticed fast. */
const HEARTBEAT_INTERVAL_MS = 2_000;

/** Follows the log stream for heartbeats; it reconnects when it drops while the job runs. */
function followLogs(backend: TrainingBackend, jobId: string, live: TrainingOutput) {
  const stop = new AbortController();
  const done = (async () => {
    while (!stop.signal.aborted) {
      try {
        // Each connection replays from the start: metrics are keyed by step, so no double count.
        for await (const line of backend.logs(jobId, stop.signal)) {
          if (parseTrainingLine(line)?.event === 'metrics') live.add(line);
        }
      } catch (error) {
        log.warn('Training log stream dropped; reconnecting', { error: String(error) });
      }
      await sleep(1_000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}

export async function watchUntilEnded(
  { trainingJobs }: Pick<FineTuneDependencies, 'trainingJobs'>,
  {
    record,
    backend,
    pollIntervalSeconds,
  }: { record: TrainingJobRecord; backend: TrainingBackend; pollIntervalSeconds: number },
): Promise<void> {
  const context = Context.current();
  const launchKey = record._id;
  const resumedAt = context.info.heartbeatDetails as { step?: number } | undefined;
  if (context.info.attempt > 1) {
    log.info('Resuming the watch of a training job', { jobId: record.jobId, ...resumedAt });
  }
  const live = new TrainingOutput();
  const heartbeat = () => {
    const latest = live.latest;
    context.heartbeat({
      jobId: record.jobId,
      step: latest?.step ?? null,
      loss: latest?.loss ?? null,
    });
  };
  const logs = followLogs(backend, record.jobId, live);
  const ticker = setInterval(heartbeat, HEARTBEAT_INTERVAL_MS);
  const startedAt = record.launchedAt.getTime();
  let lastLogged = -1;
  try {
    for (;;) {
      if (context.cancellationSignal.aborted) throw new CancelledFailure('Activity cancelled');
      const status = await backend.status(record.jobId);
      heartbeat();
      const latest = live.latest;
      if (latest && latest.step !== lastLogged) {
        lastLogged = latest.step;
        log.info('Training progress', {
          jobId: record.jobId,
          step: latest.step,
          loss: latest.loss,
        });
        await trainingJobs.recordProgress(launchKey, { step: latest.step, loss: latest.loss });
      }
      if (status.state !== 'running') return;
      // Hugging Face Jobs enforce their timeout; a local process is stopped here.
      if (record.backend === 'local' && Date.now() - startedAt > record.timeoutMinutes * 60_000) {
        await backend.cancel(record.jobId);
        await trainingJobs.recordEnd(launchKey, {
          state: 'failed',
          failure: { kind: 'timeout', message: 'timed out' },
        });
        throw trainingFailure('timeout', record, 'stopped by the local backend');
      }
      await sleep(pollIntervalSeconds * 1_000, undefined, {
        signal: context.cancellationSignal,
      }).catch(() => undefined);
    }
  } catch (error) {
    if (context.cancellationSignal.aborted || error instanceof CancelledFailure) {
      // Cancelling the workflow cancels the job: nobody pays for a GPU nobody waits for.
      log.info('Cancelling the training job', { jobId: record.jobId });
      await backend.cancel(record.jobId);
      await trainingJobs.recordEnd(launchKey, { state: 'cancelled' });
    }
    throw error;
  } finally {
    clearInterval(ticker);
    await logs.stop();
  }
}
