import type { WorkerDependencies } from '../workers/dependencies.js';
import { createDatasetActivities } from './dataset-activities.js';
import { createRoundTripActivities } from './round-trip-activities.js';
import { createWorkflowInputActivities } from './workflow-input-activities.js';

/** Every activity the offline worker registers, built from injected dependencies. */
export function createOfflineActivities(
  dependencies: Pick<WorkerDependencies, 'storage' | 'mongo'> &
    Partial<Pick<WorkerDependencies, 'llm' | 'datasetHub' | 'config'>>,
) {
  return {
    ...createWorkflowInputActivities(),
    ...createRoundTripActivities(dependencies),
    ...createDatasetActivities({
      storage: dependencies.storage,
      mongo: dependencies.mongo,
      llm: dependencies.llm,
      hub: dependencies.datasetHub,
      defaultHubRepo: dependencies.config?.huggingFaceHub.datasetRepo,
    }),
  };
}
