// The evaluate pipeline's input (workflow evaluate): which evaluation dataset, how many
// questions, and how they are asked and scored.
import { z } from 'zod';

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
    /** Retrieved documents considered by recall@k. */
    k: z.number().int().min(1).max(50).default(5),
    /** The agent's task queue (default second-brain-agent); its worker must be running. */
    agentTaskQueue: z.string().min(1).max(200).optional(),
  })
  .strict();

export type EvaluateInput = z.infer<typeof evaluateInputSchema>;
