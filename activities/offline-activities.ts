import type { WorkerDependencies } from '../workers/dependencies.js';
import { createRagActivities } from './rag-activities.js';
import { createRoundTripActivities } from './round-trip-activities.js';
import { createWorkflowInputActivities } from './workflow-input-activities.js';

/** Every activity the offline worker registers, built from injected dependencies. */
export function createOfflineActivities(
  dependencies: Pick<WorkerDependencies, 'storage' | 'mongo'> &
    Partial<Pick<WorkerDependencies, 'embeddings' | 'llm'>>,
) {
  return {
    ...createWorkflowInputActivities(),
    ...createRoundTripActivities(dependencies),
    ...createRagActivities(dependencies),
  };
}
