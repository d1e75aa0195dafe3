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

export const etlInputSchema = z
  .object({
    /** Which documents to read: everything under documents/, or one collect/import run's manifest. */
    source: z
      .object({
        kind: z.enum(['all', 'collect', 'import']).default('all'),
        runId: z.string().min(1).optional(),
      })
      .strict()
      .refine((source) => source.kind === 'all' || source.runId !== undefined, {
        message: 'runId is required when kind is collect or import',
        path: ['runId'],
      })
      .prefault({}),
    crawl: z
      .object({
        maxConcurrency: z.number().int().min(1).max(256).default(16),
        perHostConcurrency: z.number().int().min(1).max(64).default(4),
        timeoutSecs: z.number().int().min(1).max(300).default(30),
        maxRetries: z.number().int().min(0).max(10).default(3),
        maxPageBytes: z.number().int().min(1_024).max(100_000_000).default(5_000_000),
        maxRedirects: z.number().int().min(0).max(20).default(5),
        respectRobotsTxt: z.boolean().default(true),
        /** Hosts that may be crawled even when they resolve to loopback or private addresses. */
        allowedHosts: z.array(z.string().min(1)).max(100).default([]),
        /** URLs per crawl activity: the unit of retry, heartbeat and progress. */
        batchSize: z.number().int().min(1).max(2_000).default(100),
        /** Crawl activities run at once (politeness limits apply per activity). */
        parallelBatches: z.number().int().min(1).max(16).default(1),
      })
      .strict()
      .prefault({}),
    scoring: z
      .object({
        useLlm: z.boolean().default(true),
        /** Expected model id; the LLM stage is skipped (scores stay null) if the worker's differs. */
        model: z.string().min(1).optional(),
        /** Documents per LLM scoring activity. */
        batchSize: z.number().int().min(1).max(500).default(16),
      })
      .strict()
      .prefault({}),
    /** Batches per workflow execution before continue-as-new keeps the history small. */
    batchesPerExecution: z.number().int().min(1).max(1_000).default(200),
  })
  .strict();

export type EtlInput = z.infer<typeof etlInputSchema>;

/** Workflow type → input schema. Later pipelines register theirs here. */
export const WORKFLOW_INPUT_SCHEMAS = {
  roundTrip: roundTripInputSchema,
  etl: etlInputSchema,
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
  return parsed.data as WorkflowInput<W>;
}
