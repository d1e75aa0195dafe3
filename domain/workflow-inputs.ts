// zod schemas for every workflow's input, and the registry that validates them. Each field has
// a default, so `{}` is a valid input from the Temporal UI's Start Workflow form. Workflows
// validate through a local activity (workflow code itself imports only @temporalio/workflow
// and types).
import { z } from 'zod';
import { SecondBrainError } from './errors.js';
import { RETRIEVERS } from './chunking/document-chunker.js';
import {
  DEFAULT_CHUNK_OVERLAP,
  DEFAULT_CHUNK_SIZE,
  resolveChunkOverlap,
} from './chunking/markdown-chunker.js';
import { CONTEXTUAL_MODES } from './rag/contextual-prompts.js';
import { fineTuneInputSchema } from './workflow-inputs/fine-tune.js';
import { summarizerEndpointInputSchema } from './workflow-inputs/summarizer-endpoint.js';
import { conversationInputSchema } from './workflow-inputs/conversation.js';
import { evaluateInputSchema } from './workflow-inputs/evaluate.js';

export const roundTripInputSchema = z
  .object({
    /** Text written to S3 and MongoDB and read back. */
    message: z.string().min(1).max(10_000).default('Hello from Second Brain'),
  })
  .strict();

export type RoundTripInput = z.infer<typeof roundTripInputSchema>;

export const ragIndexInputSchema = z
  .object({
    /** Documents scored below this are left out (a score of 0.0 never passes). */
    qualityThreshold: z.number().min(0).max(1).default(0.6),
    /** Whether documents without a quality score (null) are indexed. */
    includeUnscored: z.boolean().default(true),
    /** contextual: chunks of chunkSize are indexed and returned; parent: 200-token children are
     * indexed and their 800-token parents returned. */
    retriever: z.enum(RETRIEVERS).default('contextual'),
    /** Tokens per chunk (contextual retriever). */
    chunkSize: z.number().int().min(16).max(8192).default(DEFAULT_CHUNK_SIZE),
    /** Overlap between consecutive chunks: a fraction of chunkSize when < 1, else tokens. */
    chunkOverlap: z.number().min(0).default(DEFAULT_CHUNK_OVERLAP),
    /** none; simple: one LLM TL;DR per document; full: an LLM context per chunk. */
    contextualMode: z.enum(CONTEXTUAL_MODES).default('none'),
    /** `default`: the worker's configured model; `hashing`: the built-in lexical model. */
    embeddingProvider: z.string().min(1).default('default'),
    /** A model id the provider must match (optional). */
    embeddingModel: z.string().min(1).optional(),
    /** Texts per embedding call. */
    batchSize: z.number().int().min(1).max(4096).default(64),
  })
  .strict()
  .superRefine((input, context) => {
    try {
      resolveChunkOverlap(input.chunkSize, input.chunkOverlap);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        path: ['chunkOverlap'],
        message: (error as Error).message,
      });
    }
  });

export type RagIndexInput = z.infer<typeof ragIndexInputSchema>;

export const collectNotionDataInputSchema = z
  .object({
    /** Notion database ids (with or without dashes); empty = NOTION_DATABASE_IDS. */
    databaseIds: z
      .array(z.string().regex(/^[0-9a-fA-F-]{32,36}$/, 'must be a Notion id (32 hex characters)'))
      .default([]),
    /** Refetch pages edited at or after this ISO time; unset = each database's last cursor. */
    since: z.iso.datetime({ offset: true }).optional(),
    /** Levels of child pages followed inside a page. */
    maxDepth: z.number().int().min(0).max(10).default(3),
    includeComments: z.boolean().default(true),
    /** Pages per activity: small enough to retry cheaply, large enough to keep history short. */
    batchSize: z.number().int().min(1).max(100).default(10),
  })
  .strict();

export type CollectNotionDataInput = z.infer<typeof collectNotionDataInputSchema>;

/**
 * The refresh workflow passes each stage its own input (validated again by the stage itself),
 * so `{}` runs collect, ETL and RAG indexing with their defaults.
 */
export const refreshKnowledgeBaseInputSchema = z
  .object({
    collect: collectNotionDataInputSchema.optional(),
    etl: z.record(z.string(), z.unknown()).optional(),
    rag: z.record(z.string(), z.unknown()).optional(),
    /** Stages finished under this key are reused: re-running with it redoes only what failed. */
    refreshKey: z.string().min(1).max(200).optional(),
  })
  .strict();

export type RefreshKnowledgeBaseInput = z.infer<typeof refreshKnowledgeBaseInputSchema>;

const splitRatio = z.number().min(0).max(1);

export const generateDatasetInputSchema = z
  .object({
    /** Documents scored below this (or not scored: null) are left out. */
    minQualityScore: z.number().min(0).max(1).default(0.3),
    /** Documents with less content than this (characters) are left out. */
    minChars: z.number().int().min(0).default(50),
    /** The summary limit the prompt asks for; answers over twice this are dropped. */
    maxSummaryChars: z.number().int().min(16).max(20_000).default(256),
    /** Summaries per document, at temperatures 0, step, 2*step... (0, 0.125, 0.25, 0.375). */
    augmentationLoops: z.number().int().min(1).max(16).default(4),
    temperatureStep: z.number().min(0).max(0.5).default(0.125),
    splits: z
      .object({
        train: splitRatio.default(0.8),
        validation: splitRatio.default(0.1),
        test: splitRatio.default(0.1),
      })
      .strict()
      .refine(
        (ratios) => Math.abs(ratios.train + ratios.validation + ratios.test - 1) < 1e-6,
        'train + validation + test must be 1',
      )
      .default({ train: 0.8, validation: 0.1, test: 0.1 }),
    seed: z.number().int().default(42),
    /** At most this many documents (in id order); unset = all that pass the filter. */
    limit: z.number().int().min(1).optional(),
    /** The teacher model's id; unset = whatever chat model the worker serves. */
    teacherModel: z.string().min(1).optional(),
    /** The student's context window in tokens: instructions are fit to it. */
    studentContextTokens: z.number().int().min(256).max(1_000_000).default(2048),
    datasetName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,95}$/, 'lowercase letters, digits, ".", "_" and "-"')
      .default('second-brain-summarization'),
    /** Publish the version to the Hugging Face Hub (needs HF_TOKEN). */
    push: z.boolean().default(false),
    /** "namespace/name" on the Hub; unset = DATASET_REPO. */
    hubRepo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be "namespace/name"')
      .optional(),
    /** Documents per distillation activity (each heartbeats and resumes within its batch). */
    batchSize: z.number().int().min(1).max(100).default(5),
  })
  .strict();

export type GenerateDatasetInput = z.infer<typeof generateDatasetInputSchema>;
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
        /**
         * Hosts that may be crawled even when they resolve to loopback or private addresses:
         * `host` (every port) or `host:port` (that port only).
         */
        allowedHosts: z.array(z.string().min(1)).max(100).default([]),
        /** Time budget of one page's DOM extraction, on a worker thread. */
        extractionTimeoutSecs: z.number().int().min(1).max(300).default(20),
        /**
         * URLs per crawl activity: the unit of retry and of spreading work over workers. At
         * most 500, so the heartbeat (one bounded entry per URL) stays far below the server's
         * 2 MB limit. Each batch sets up a crawl of its own (plan and states from S3,
         * robots.txt, crawlee), so 200 rather than 100 took the ETL from 0.90x of a plain
         * script to 0.92-0.95x (bench/etl, docs/benchmarks.md); progress still moves page by
         * page through the batches' heartbeats.
         */
        batchSize: z.number().int().min(1).max(500).default(200),
        /**
         * Crawl activities in flight at once (a sliding window: the next starts as soon as one
         * ends). Batches on one worker share its crawler, so two use the extraction threads and
         * per-host limit of one, and the next batch's set-up overlaps the previous one's last
         * pages (bench/etl); each worker process has its own per-host limit.
         */
        parallelBatches: z.number().int().min(1).max(16).default(2),
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

// The inputs of the fine-tune, summarizer endpoint, evaluate and conversation workflows live in
// domain/workflow-inputs/, one file per pipeline; importers keep this one path.
export { fineTuneInputSchema, type FineTuneInput } from './workflow-inputs/fine-tune.js';
export {
  summarizerEndpointInputSchema,
  type SummarizerEndpointInput,
} from './workflow-inputs/summarizer-endpoint.js';
export { conversationInputSchema, type ConversationInput } from './workflow-inputs/conversation.js';
export { evaluateInputSchema, type EvaluateInput } from './workflow-inputs/evaluate.js';

/** Workflow type → input schema. Later pipelines register theirs here. */
export const WORKFLOW_INPUT_SCHEMAS = {
  roundTrip: roundTripInputSchema,
  ragIndex: ragIndexInputSchema,
  collectNotionData: collectNotionDataInputSchema,
  refreshKnowledgeBase: refreshKnowledgeBaseInputSchema,
  generateDataset: generateDatasetInputSchema,
  etl: etlInputSchema,
  fineTune: fineTuneInputSchema,
  summarizerEndpoint: summarizerEndpointInputSchema,
  conversation: conversationInputSchema,
  evaluate: evaluateInputSchema,
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
  // TypeScript cannot narrow the schema union by W; the lookup above guarantees the type.
  return parsed.data as WorkflowInput<W>;
}
