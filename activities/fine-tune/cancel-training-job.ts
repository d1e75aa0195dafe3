import { log } from '@temporalio/activity';
import { backendFor, type FineTuneDependencies } from './dependencies.js';

/** Cancels the job of a launch, if it still runs (the workflow's cancellation path). */
export function cancelTrainingJob(
  dependencies: Pick<FineTuneDependencies, 'trainingJobs' | 'backends'>,
) {
  const { trainingJobs } = dependencies;
  return async function cancelTrainingJob({
    launchKey,
  }: {
    launchKey: string;
  }): Promise<{ cancelled: boolean }> {
    const record = await trainingJobs.find(launchKey);
    if (!record) return { cancelled: false };
    const backend = backendFor(dependencies, record);
    const status = await backend.status(record.jobId);
    if (status.state === 'running') await backend.cancel(record.jobId);
    await trainingJobs.recordEnd(launchKey, { state: 'cancelled' });
    log.info('Cancelled training job', {
      jobId: record.jobId,
      wasRunning: status.state === 'running',
    });
    return { cancelled: status.state === 'running' };
  };
}
