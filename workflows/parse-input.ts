import { ActivityFailure, ApplicationFailure, proxyLocalActivities } from '@temporalio/workflow';
import type { createWorkflowInputActivities } from '../activities/workflow-input/index.js';
import type { WorkflowInput, WorkflowWithInput } from '../domain/workflow-inputs.js';

const { parseWorkflowInput } = proxyLocalActivities<
  ReturnType<typeof createWorkflowInputActivities>
>({
  startToCloseTimeout: '10 seconds',
  // Validation is deterministic: retrying the same input cannot change the answer.
  retry: { maximumAttempts: 1 },
});

/**
 * Validates a workflow's raw input and applies its defaults. An invalid input fails the
 * workflow with a non-retryable ValidationError naming each field and the expected type.
 */
export async function parseInput<W extends WorkflowWithInput>(
  workflowType: W,
  input: unknown,
): Promise<WorkflowInput<W>> {
  try {
    return (await parseWorkflowInput({ workflowType, input })) as WorkflowInput<W>;
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
      throw ApplicationFailure.create({
        message: error.cause.message,
        type: error.cause.type ?? 'ValidationError',
        nonRetryable: true,
        details: error.cause.details ?? undefined,
      });
    }
    throw error;
  }
}
