// The summarizer service port. With SUMMARIZER_ENDPOINT_URL set, summaries come from the
// fine-tuned model on a Hugging Face dedicated Inference Endpoint (TGI/vLLM's OpenAI-compatible
// /v1 route), prompted exactly as it was trained; otherwise from the configured chat model
// (an OpenAI-compatible server, or the local model) with a summarization prompt.
import type OpenAI from 'openai';
import {
  formatSummarizationPrompt,
  SUMMARIZATION_PROMPT_INSTRUCTION,
  SUMMARIZATION_PROMPT_TEMPLATE,
} from '../../domain/training-config.js';
import { fenceUntrusted, untrustedTextRule } from '../../domain/untrusted-text.js';
import type { ChatModel } from './chat-model.js';
import type { EndpointUsage } from './endpoint-usage.js';
import { createOpenAIClient, openAIError } from './openai-chat-model.js';

export interface Summarizer {
  /** Who summarizes, e.g. "endpoint/you/summarizer" or "local/SmolLM2-135M-Instruct-Q4_1". */
  readonly name?: string;
  summarize(text: string, options?: { maxWords?: number }): Promise<string>;
}

export function createChatSummarizer(llm: ChatModel): Summarizer {
  return {
    name: `${llm.provider}/${llm.modelId}`,
    async summarize(text, options = {}) {
      const response = await llm.chat({
        messages: [
          {
            role: 'system',
            content: `Summarize the text the user gives you. ${untrustedTextRule('TEXT')}`,
          },
          { role: 'user', content: fenceUntrusted('TEXT', text) },
        ],
        temperature: 0,
        maxTokens: Math.round((options.maxWords ?? 120) * 1.6),
      });
      return response.text.trim();
    },
  };
}

export interface EndpointSummarizerOptions {
  /** The endpoint's URL (…endpoints.huggingface.cloud); /v1 is appended when missing. */
  url: string;
  /** HF_TOKEN: dedicated endpoints are protected by default. */
  apiKey: string | undefined;
  /** The model name the server expects ("tgi" for TGI, the repo id for vLLM). */
  model: string;
  timeoutMs: number;
  prompt?: { template: string; instruction: string };
  /** Marks each call in endpoint_usage, so the summarizerEndpoint workflow sees the endpoint is
   * in use and does not pause it. */
  usage?: Pick<EndpointUsage, 'record'>;
}

/** Where an endpoint's OpenAI-compatible routes live. */
export function openAIBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

/**
 * The fine-tuned model learned raw Alpaca text, not a chat template, so it is asked through
 * the completions route with the training prompt and an empty response; it stops at its EOS.
 */
export function createEndpointSummarizer(options: EndpointSummarizerOptions): Summarizer {
  const client: OpenAI = createOpenAIClient({
    apiKey: options.apiKey,
    baseUrl: openAIBaseUrl(options.url),
    timeoutMs: options.timeoutMs,
  });
  const prompt = options.prompt ?? {
    template: SUMMARIZATION_PROMPT_TEMPLATE,
    instruction: SUMMARIZATION_PROMPT_INSTRUCTION,
  };
  const identity = { provider: 'endpoint', model: options.model };
  return {
    name: `endpoint/${options.model}`,
    async summarize(text, summarizeOptions = {}) {
      // Marked before the call: a request to an endpoint that is waking up is demand too. A
      // failed mark only lets the endpoint pause sooner; it must not cost the summary.
      await options.usage?.record(options.url).catch(() => undefined);
      try {
        const response = await client.completions.create({
          model: options.model,
          prompt: formatSummarizationPrompt(prompt, text),
          max_tokens: Math.round((summarizeOptions.maxWords ?? 120) * 1.6),
          temperature: 0,
          stop: ['### Instruction:', '### Input:'],
        });
        return (response.choices[0]?.text ?? '').trim();
      } catch (error) {
        throw openAIError(identity, error);
      }
    },
  };
}

/** How long a looked-up endpoint URL is trusted before the registry is asked again. */
const ENDPOINT_LOOKUP_TTL_MS = 30_000;

/**
 * The endpoint when configured, else the endpoint the summarizerEndpoint workflow reports
 * running (`findRunningEndpoint`, looked up at most every 30 s), else the configured chat model
 * (OpenAI-compatible or local). So starting the endpoint workflow is enough: no restart and no
 * URL to copy.
 */
export function createSummarizer(options: {
  endpoint?: Omit<EndpointSummarizerOptions, 'prompt' | 'url'> & { url: string | undefined };
  llm: ChatModel;
  findRunningEndpoint?: () => Promise<string | undefined>;
}): Summarizer {
  const { endpoint, findRunningEndpoint } = options;
  if (endpoint?.url !== undefined)
    return createEndpointSummarizer({ ...endpoint, url: endpoint.url });
  const chat = createChatSummarizer(options.llm);
  if (!endpoint || !findRunningEndpoint) return chat;
  const byUrl = new Map<string, Summarizer>();
  let lookup: { url: string | undefined; at: number } | undefined;
  const current = async (): Promise<Summarizer> => {
    if (!lookup || Date.now() - lookup.at > ENDPOINT_LOOKUP_TTL_MS) {
      // A registry that cannot be read means the chat model answers; it never costs the summary.
      const url = await findRunningEndpoint().catch(() => undefined);
      lookup = { url, at: Date.now() };
    }
    const { url } = lookup;
    if (url === undefined) return chat;
    let summarizer = byUrl.get(url);
    if (!summarizer) {
      summarizer = createEndpointSummarizer({ ...endpoint, url });
      byUrl.set(url, summarizer);
    }
    return summarizer;
  };
  return {
    name: `endpoint when running, else ${chat.name}`,
    async summarize(text, summarizeOptions) {
      return (await current()).summarize(text, summarizeOptions);
    },
  };
}
