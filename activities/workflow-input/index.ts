// The local activity every workflow validates its input with (both workers register it).
import { parseWorkflowInput } from './parse-workflow-input.js';

export function createWorkflowInputActivities() {
  return { parseWorkflowInput };
}
