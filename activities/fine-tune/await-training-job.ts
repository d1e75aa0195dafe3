import { Context, log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import {
  metricsKey,
  outputTailKey,
  trainingFailure,
  type AwaitTrainingResult,
} from '../../domain/fine-tune.js';
import {
  classifyTrainingFailure,
  lastErrorLine,
  TrainingOutput,
} from '../../domain/training-log.js';
import type { TrainingBackend } from '../../integrations/training/training-backend.js';
import { backendFor, type FineTuneDependencies } from './dependencies.js';
import { watchUntilEnded } from './watch-training-job.js';

/** Reads the whole output (from the start) and keeps the events; a reconnect replays. */
async function readOutput(backend: TrainingBackend, jobId: string, signal: AbortSignal) {
  const output = new TrainingOutput();
  for await (const line of backend.logs(jobId, signal)) output.add(line);
  return output;
}

/**
 * Watches the job to its end: polls its state, streams its logs, heartbeats the latest
 * step and loss. A retry (e.g. after a worker restart) watches the same job again. When
 * the activity is cancelled, the job is cancelled. Then stores the metrics and the output's
 * tail in S3 and the outcome in training_jobs.
 */
export function awaitTrainingJob(
  dependencies: Pick<FineTuneDependencies, 'storage' | 'trainingJobs' | 'backends'>,
) {
  const { storage, trainingJobs } = dependencies;
  return async function awaitTrainingJob({
    launchKey,
    pollIntervalSeconds,
  }: {
    launchKey: string;
    pollIntervalSeconds: number;
  }): Promise<AwaitTrainingResult> {
    const context = Context.current();
    const record = await trainingJobs.get(launchKey);
    const backend = backendFor(dependencies, record);
    await watchUntilEnded(dependencies, { record, backend, pollIntervalSeconds });

    // The authoritative read: the whole output once more, now that it is complete.
    const output = await readOutput(backend, record.jobId, context.cancellationSignal);
    const status = await backend.status(record.jobId);
    const key = metricsKey(launchKey);
    await storage.putObject(
      key,
      output.metrics.map((metric) => JSON.stringify(metric)).join('\n') +
        (output.metrics.length > 0 ? '\n' : ''),
      'application/x-ndjson',
    );
    await storage.putObject(
      outputTailKey(launchKey),
      `${output.tail.join('\n')}\n`,
      'text/plain; charset=utf-8',
    );
    if (status.state === 'succeeded') {
      const latest = output.latest;
      await trainingJobs.recordEnd(launchKey, {
        state: 'succeeded',
        latest: latest ? { step: latest.step, loss: latest.loss } : null,
      });
      log.info('Training job succeeded', { jobId: record.jobId, steps: output.metrics.length });
      return {
        outcome: 'succeeded',
        jobId: record.jobId,
        metricsKey: key,
        steps: output.metrics.length,
        finalLoss: latest?.loss ?? null,
        result: output.result ?? null,
        dryRun: output.dryRun ?? null,
      };
    }
    if (status.state === 'cancelled') {
      await trainingJobs.recordEnd(launchKey, { state: 'cancelled' });
      throw new SecondBrainError(
        'permanent',
        `Training job ${record.jobId} was cancelled outside this workflow`,
      );
    }
    const kind = classifyTrainingFailure(status.message, output.tail);
    const detail = [status.message, lastErrorLine(output.tail)].filter(Boolean).join(': ');
    await trainingJobs.recordEnd(launchKey, {
      state: 'failed',
      failure: { kind, message: detail },
    });
    log.warn('Training job failed', { jobId: record.jobId, kind, detail });
    if (kind === 'infrastructure')
      return { outcome: 'infrastructureFailure', jobId: record.jobId, message: detail };
    throw trainingFailure(kind, record, detail);
  };
}
