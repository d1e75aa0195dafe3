import { parseWorkflowInput, type WorkflowWithInput } from '../domain/workflow-inputs.js';

/** Input validation for workflows, run as a local activity so workflow code stays free of zod. */
export function createWorkflowInputActivities() {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- activities must return promises
    async parseWorkflowInput(request: {
      workflowType: WorkflowWithInput;
      input: unknown;
    }): Promise<unknown> {
      return parseWorkflowInput(request.workflowType, request.input);
    },
  };
}
