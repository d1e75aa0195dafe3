// The training program's JSON config (training/train_summarizer.py reads exactly this shape)
// and the Alpaca-style summarization prompt the fine-tuned model learns. The summarizer that
// later calls the model formats its requests with the same prompt, so both live here.
import { z } from 'zod';

export const SUMMARIZATION_PROMPT_TEMPLATE =
  'Below is an instruction that describes a task, paired with an input that provides further ' +
  'context. Write a response that appropriately completes the request.\n\n' +
  '### Instruction:\n{instruction}\n\n' +
  '### Input:\n{input}\n\n' +
  '### Response:\n{response}';

export const SUMMARIZATION_PROMPT_INSTRUCTION =
  'You are a helpful assistant specialized in summarizing documents. Generate a concise TL;DR ' +
  'summary in markdown format of the key findings of the provided document, keeping its ' +
  'section titles, key entities and findings.';

export const LORA_TARGET_MODULES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
] as const;

const hubRepo = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "namespace/name"');

export const trainingConfigSchema = z
  .object({
    baseModel: z.string().min(1).default('unsloth/Meta-Llama-3.1-8B-Instruct'),
    maxSeqLength: z.number().int().min(128).max(131_072).default(4096),
    /** 4-bit quantized base weights (QLoRA): fits an 8B model on a 24 GB GPU. */
    loadIn4bit: z.boolean().default(false),
    lora: z
      .object({
        r: z.number().int().min(1).max(1024).default(16),
        alpha: z.number().int().min(1).max(4096).default(16),
        dropout: z.number().min(0).max(1).default(0),
        targetModules: z
          .array(z.string().min(1))
          .min(1)
          .default([...LORA_TARGET_MODULES]),
      })
      .strict()
      .prefault({}),
    training: z
      .object({
        learningRate: z.number().positive().max(1).default(2e-4),
        perDeviceTrainBatchSize: z.number().int().min(1).max(1024).default(2),
        gradientAccumulationSteps: z.number().int().min(1).max(1024).default(4),
        warmupSteps: z.number().int().min(0).default(5),
        /** Train this many steps; null = numTrainEpochs over the train split. */
        maxSteps: z.number().int().min(1).nullable().default(null),
        numTrainEpochs: z.number().positive().max(1000).default(1),
        optimizer: z.string().min(1).default('adamw_8bit'),
        weightDecay: z.number().min(0).max(1).default(0.01),
        lrSchedulerType: z.string().min(1).default('linear'),
        seed: z.number().int().default(3407),
        packing: z.boolean().default(true),
        loggingSteps: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
    prompt: z
      .object({
        template: z
          .string()
          .refine(
            (template) =>
              ['{instruction}', '{input}', '{response}'].every((field) => template.includes(field)),
            'must contain {instruction}, {input} and {response}',
          )
          .default(SUMMARIZATION_PROMPT_TEMPLATE),
        instruction: z.string().min(1).default(SUMMARIZATION_PROMPT_INSTRUCTION),
      })
      .strict()
      .prefault({}),
    /** Where the merged model is pushed; unset = MODEL_REPO. */
    outputRepo: hubRepo.optional(),
    pushToHub: z.boolean().default(true),
  })
  .strict();

export type TrainingConfig = z.infer<typeof trainingConfigSchema>;

/** What the program reads: the config plus where the dataset is and where metrics go. */
export interface TrainingProgramConfig extends Omit<TrainingConfig, 'outputRepo'> {
  outputRepo: string | null;
  dataset: { localDir: string | null; hubRepo: string | null; revision: string };
  metricsFile: string | null;
}

/** The prompt of one sample (training) or one request (inference, with an empty response). */
export function formatSummarizationPrompt(
  prompt: { template: string; instruction: string },
  input: string,
  response = '',
): string {
  // One pass, so braces inside the document are never taken for fields.
  return prompt.template.replace(/\{(instruction|input|response)\}/g, (_, field: string) =>
    field === 'instruction' ? prompt.instruction : field === 'input' ? input : response,
  );
}
