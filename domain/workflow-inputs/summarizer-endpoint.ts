// The summarizer endpoint pipeline's input (workflow summarizerEndpoint): what to do with the
// Inference Endpoint, which model it serves, where it runs, and when it is paused.
import { z } from 'zod';

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
