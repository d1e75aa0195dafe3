// zod schemas for every workflow's input. Each field has a default, so `{}` is a valid input
// from the Temporal UI's Start Workflow form. Workflows validate through a local activity
// (workflow code itself imports only @temporalio/workflow and types).
import { z } from 'zod';
import { SecondBrainError } from './errors.js';
import { RETRIEVERS } from './chunking/document-chunker.js';
import {
  DEFAULT_CHUNK_OVERLAP,
  DEFAULT_CHUNK_SIZE,
  resolveChunkOverlap,
} from './chunking/markdown-chunker.js';
import { AGENT_SEARCH_K } from './ranking/search-defaults.js';
import { CONTEXTUAL_MODES } from './rag/contextual-prompts.js';
import { trainingConfigSchema } from './training-config.js';

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
         * URLs per crawl activity: the unit of retry, heartbeat and progress. At most 500, so
         * the heartbeat (one bounded entry per URL) stays far below the server's 2 MB limit.
         */
        batchSize: z.number().int().min(1).max(500).default(100),
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

export const fineTuneInputSchema = z
  .object({
    datasetName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,95}$/, 'lowercase letters, digits, ".", "_" and "-"')
      .default('second-brain-summarization'),
    /** A version of the data registry (v-…); unset = the newest version of datasetName. */
    datasetVersion: z
      .string()
      .regex(/^v-[0-9a-f]{12}$/, 'must be a dataset version id (v- and 12 hex digits)')
      .optional(),
    /** The training program's config; every field has the default of the issue's recipe. */
    config: trainingConfigSchema.prefault({}),
    /** hf-jobs: a Hugging Face Job on a rented GPU; local: a child process on the worker's
     * machine. Unset = local for a dry run, hf-jobs otherwise. */
    backend: z.enum(['hf-jobs', 'local']).optional(),
    /** Hugging Face Jobs hardware, e.g. a10g-large, l40sx1, a100-large. */
    flavor: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'a hardware flavor such as a10g-large')
      .default('a10g-large'),
    /** The job is stopped after this long (by Hugging Face Jobs, or by the local backend). */
    timeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(240),
    /** Validate the config and load and format the dataset; no GPU, no model, no registry. */
    dryRun: z.boolean().default(false),
    /** How often the job is polled (its logs stream in between). */
    pollIntervalSeconds: z.number().int().min(1).max(600).default(30),
    /** Launches in total when the job fails for infrastructure reasons (lost node, no capacity). */
    maxLaunches: z.number().int().min(1).max(10).default(2),
    evaluation: z
      .object({
        /** The fine-tuned model's endpoint; unset = SUMMARIZER_ENDPOINT_URL, else no evaluation. */
        endpointUrl: z.url().optional(),
        /** The model name its server expects; unset = SUMMARIZER_ENDPOINT_MODEL. */
        endpointModel: z.string().min(1).optional(),
        /** Also score the worker's chat model (the teacher) on the same samples. */
        compareWithTeacher: z.boolean().default(false),
        /** Test samples scored at most. */
        maxSamples: z.number().int().min(1).max(10_000).default(50),
      })
      .strict()
      .prefault({}),
    /** Push the model card and loss curve to the model repo (needs HF_TOKEN). */
    pushModelCard: z.boolean().default(true),
  })
  .strict()
  .transform((input) => ({
    ...input,
    backend: input.backend ?? (input.dryRun ? ('local' as const) : ('hf-jobs' as const)),
  }));

export type FineTuneInput = z.infer<typeof fineTuneInputSchema>;

export const summarizerEndpointInputSchema = z
  .object({
    /** ensure: create the endpoint if missing, else resume it; wait until it runs; then pause it
     * once idle. pause: pause it now. status: report it. */
    action: z.enum(['ensure', 'pause', 'status']).default('ensure'),
    /** The endpoint's name; unset = SUMMARIZER_ENDPOINT_NAME. */
    name: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/,
        'lowercase letters, digits and "-", at most 32 characters',
      )
      .optional(),
    /** The user or organization; unset = HF_ENDPOINTS_NAMESPACE, else the repository's. */
    namespace: z
      .string()
      .regex(/^[\w.-]+$/, 'a Hugging Face user or organization name')
      .optional(),
    /** The model repo to serve; unset = the newest model in the models registry. */
    repository: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be "namespace/name"')
      .optional(),
    /** A revision of the repository (commit sha or branch); unset = the registry's, else main. */
    revision: z.string().min(1).max(100).optional(),
    /** Where and on what the endpoint runs when it is created. */
    instance: z
      .object({
        vendor: z.string().min(1).default('aws'),
        region: z.string().min(1).default('us-east-1'),
        accelerator: z.enum(['cpu', 'gpu', 'neuron']).default('gpu'),
        instanceType: z.string().min(1).default('nvidia-a10g'),
        instanceSize: z
          .string()
          .regex(/^x\d+$/, 'x1, x2, x4 or x8')
          .default('x1'),
        framework: z.string().min(1).default('pytorch'),
        task: z.string().min(1).default('text-generation'),
        /** The serving image: Text Generation Inference (OpenAI-compatible /v1 routes). */
        image: z.string().min(1).default('ghcr.io/huggingface/text-generation-inference:latest'),
      })
      .strict()
      .prefault({}),
    /** ensure: pause the endpoint once no summarizer called it for this long (about $1/hour). */
    idlePauseMinutes: z
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(15),
    /** How often the endpoint's state is polled while it starts. */
    pollIntervalSeconds: z.number().min(0.1).max(600).default(15),
    /** ensure fails when the endpoint does not run after this long. */
    timeoutMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .default(30),
    /** Idle checks per run before continue-as-new keeps the history small. */
    checksPerRun: z.number().int().min(1).max(1_000).default(200),
    /** Carried over by continue-as-new: when the endpoint started running under this workflow. */
    idleSince: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export type SummarizerEndpointInput = z.infer<typeof summarizerEndpointInputSchema>;

export const conversationInputSchema = z
  .object({
    /** Defaults to the workflow id (the conversation id). */
    conversationId: z.string().max(64).default(''),
    /** Summary of the turns before this run (carried over by continue-as-new). */
    summary: z.string().max(4_000).default(''),
    /** Turns answered in earlier runs of this conversation. */
    turnCount: z.number().int().min(0).default(0),
    /** Model steps per turn at most (AGENT_MAX_STEPS); the last one must answer. */
    maxSteps: z.number().int().min(1).max(20).default(4),
    /** Turns per run before continue-as-new with a summary of the older ones. */
    turnsPerRun: z.number().int().min(1).max(500).default(20),
    /** A conversation idle this long completes (a new question starts a new run). */
    idleTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .default(24 * 60),
  })
  .strict();

export type ConversationInput = z.infer<typeof conversationInputSchema>;

export const evaluateInputSchema = z
  .object({
    /** The evaluation dataset (versions live in evaluation_datasets). */
    datasetName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,95}$/, 'lowercase letters, digits, ".", "_" and "-"')
      .default('second-brain-eval'),
    /** A version to evaluate; unset = the newest (a starter dataset is generated when none). */
    datasetVersion: z.string().min(1).optional(),
    /** At most this many questions are asked (the first ones of the dataset). */
    limit: z.number().int().min(1).max(1_000).default(5),
    /** Questions the LLM writes about sampled chunks when a starter dataset is generated. */
    starterQuestions: z.number().int().min(1).max(500).default(10),
    /** Generate a new starter dataset version even when the name has one. */
    regenerate: z.boolean().default(false),
    /** Which chunks the starter dataset samples. */
    seed: z.number().int().default(42),
    /** Questions in flight at once (agent turns and their scoring). */
    concurrency: z.number().int().min(1).max(16).default(2),
    /** Retrieved documents considered by recall@k (what the agent retrieves by default). */
    k: z.number().int().min(1).max(50).default(AGENT_SEARCH_K),
    /** The agent's task queue (default second-brain-agent); its worker must be running. */
    agentTaskQueue: z.string().min(1).max(200).optional(),
  })
  .strict();

export type EvaluateInput = z.infer<typeof evaluateInputSchema>;

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
