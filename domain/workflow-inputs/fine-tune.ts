// The fine-tune pipeline's input (workflow fineTune): which dataset version, the training
// program's config, where it runs, and how the model is evaluated and published.
import { z } from 'zod';
import { trainingConfigSchema } from '../training-config.js';

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
    /** The training program's config; every field has the default of the recipe. */
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
