import {
  parseWorkflowInput as parse,
  type WorkflowWithInput,
} from '../../domain/workflow-inputs.js';

/** Input validation for workflows, run as a local activity so workflow code stays free of zod. */
// eslint-disable-next-line @typescript-eslint/require-await -- activities must return promises
export async function parseWorkflowInput(request: {
  workflowType: WorkflowWithInput;
  input: unknown;
}): Promise<unknown> {
  return parse(request.workflowType, request.input);
}
