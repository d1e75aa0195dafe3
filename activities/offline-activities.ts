import type { ChatModel } from '../integrations/llm/chat-model.js';
import type { WorkerDependencies } from '../workers/dependencies.js';
import { createEtlActivities } from './etl-activities.js';
import { createRoundTripActivities } from './round-trip-activities.js';
import { createWorkflowInputActivities } from './workflow-input-activities.js';

/** Every activity the offline worker registers, built from injected dependencies. */
export function createOfflineActivities(
  dependencies: Pick<WorkerDependencies, 'storage' | 'mongo'> & {
    /** Optional: without a chat model, LLM steps are skipped and say so. */
    llm?: ChatModel;
    crawlRetryBackoffMs?: number;
  },
) {
  return {
    ...createWorkflowInputActivities(),
    ...createRoundTripActivities(dependencies),
    ...createEtlActivities(dependencies),
  };
}
