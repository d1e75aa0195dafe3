// zod schemas for every workflow's input. Each field has a default, so `{}` is a valid input
// from the Temporal UI's Start Workflow form. Workflows validate through a local activity
// (workflow code itself imports only @temporalio/workflow and types).
import { z } from 'zod';
import { SecondBrainError } from './errors.js';

export const roundTripInputSchema = z
  .object({
    /** Text written to S3 and MongoDB and read back. */
    message: z.string().min(1).max(10_000).default('Hello from Second Brain'),
  })
  .strict();

export type RoundTripInput = z.infer<typeof roundTripInputSchema>;

/** Workflow type → input schema. Later pipelines register theirs here. */
export const WORKFLOW_INPUT_SCHEMAS = {
  roundTrip: roundTripInputSchema,
} as const;

export type WorkflowWithInput = keyof typeof WORKFLOW_INPUT_SCHEMAS;
export type WorkflowInput<W extends WorkflowWithInput> = z.infer<
  (typeof WORKFLOW_INPUT_SCHEMAS)[W]
>;

/** Formats zod issues as "field: problem" lines that name the field and the expected type. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}

export function parseWorkflowInput<W extends WorkflowWithInput>(
  workflowType: W,
  input: unknown,
): WorkflowInput<W> {
  const schema = WORKFLOW_INPUT_SCHEMAS[workflowType];
  // The UI sends null when the input box is empty: treat it like {}.
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new SecondBrainError(
      'validation',
      `Invalid input for workflow ${workflowType}: ${describeIssues(parsed.error)}`,
      {
        details: {
          workflowType,
          issues: parsed.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: issue.message,
          })),
        },
      },
    );
  }
  return parsed.data;
}
