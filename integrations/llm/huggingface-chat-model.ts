// Hugging Face: dedicated Inference Endpoints (HF_ENDPOINT_URL, e.g. your own fine-tuned
// summarizer on TGI) or the serverless hf-inference provider, through the official
// InferenceClient. Its built-in retry on 503 is off: Temporal owns retries.
import { InferenceClient, InferenceClientProviderApiError } from '@huggingface/inference';
import type { ChatCompletionInput, ChatCompletionInputMessage } from '@huggingface/tasks';
import type { ChatMessage, ChatModel, ChatResponse, ToolCall } from './chat-model.js';
import {
  chatModelFromBackend,
  type Completion,
  type CompletionBackend,
  type CompletionRequest,
} from './completion-backend.js';
import { modelHttpError, modelNetworkError, type ModelIdentity } from './model-errors.js';
import { tiktokenCounter } from './token-counter.js';

export interface HuggingFaceChatModelOptions {
  model: string;
  accessToken: string | undefined;
  /** A dedicated endpoint; unset = the hf-inference provider for `model`. */
  endpointUrl?: string;
  contextSize: number;
  timeoutMs: number;
}

export function createHuggingFaceChatModel(options: HuggingFaceChatModelOptions): ChatModel {
  return chatModelFromBackend(new HuggingFaceBackend(options));
}

/**
 * A client whose fetch remembers the last response's Retry-After: the SDK's errors keep the
 * status and body but drop headers, and Temporal needs the delay the server asked for.
 */
export function huggingFaceClient(options: {
  accessToken: string | undefined;
  endpointUrl?: string;
}): { client: InferenceClient; retryAfter: () => string | null } {
  let retryAfter: string | null = null;
  const client = new InferenceClient(options.accessToken, {
    endpointUrl: options.endpointUrl,
    retry_on_error: false,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      retryAfter = response.headers.get('retry-after');
      return response;
    },
  });
  return { client, retryAfter: () => retryAfter };
}

class HuggingFaceBackend implements CompletionBackend {
  readonly provider = 'huggingface';
  readonly modelId: string;
  readonly contextWindow: number;
  readonly countTokens: (text: string) => number;

  constructor(private readonly options: HuggingFaceChatModelOptions) {
    this.modelId = options.model;
    this.contextWindow = options.contextSize;
    this.countTokens = tiktokenCounter(options.model);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const identity = { provider: this.provider, model: this.modelId };
    // One client per call, so concurrent calls never read each other's Retry-After.
    const { client, retryAfter } = huggingFaceClient(this.options);
    const args: ChatCompletionInput = {
      model: this.options.endpointUrl ? undefined : this.modelId,
      messages: request.messages.map(toHuggingFaceMessage),
      temperature: request.temperature,
      max_tokens: request.maxTokens,
      response_format: request.jsonSchema && {
        type: 'json_schema',
        json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema },
      },
      tools: request.tools?.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      })),
    };
    const signal = AbortSignal.any(
      [AbortSignal.timeout(this.options.timeoutMs), request.signal].filter(
        (item): item is AbortSignal => item !== undefined,
      ),
    );
    try {
      const response = await client.chatCompletion(
        // A dedicated endpoint is addressed by URL; a model id goes through hf-inference.
        this.options.endpointUrl ? args : { ...args, provider: 'hf-inference' },
        { signal },
      );
      const choice = response.choices[0];
      const toolCalls: ToolCall[] = (choice?.message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments:
          typeof call.function.arguments === 'string'
            ? parseArguments(call.function.arguments)
            : call.function.arguments,
      }));
      return {
        text: choice?.message.content ?? '',
        toolCalls,
        finishReason: finishReason(choice?.finish_reason),
        usage: {
          promptTokens: response.usage?.prompt_tokens ?? 0,
          completionTokens: response.usage?.completion_tokens ?? 0,
        },
      };
    } catch (error) {
      throw huggingFaceError(identity, error, retryAfter());
    }
  }
}

/** Maps an InferenceClient error into the taxonomy. Shared with the embeddings adapter. */
export function huggingFaceError(
  identity: ModelIdentity,
  error: unknown,
  retryAfter: string | null,
): unknown {
  if (error instanceof InferenceClientProviderApiError) {
    const body: unknown = error.httpResponse.body;
    return modelHttpError(identity, {
      status: error.httpResponse.status,
      message: describeBody(body) ?? error.message,
      retryAfter,
      cause: error,
    });
  }
  return modelNetworkError(identity, error);
}

function describeBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body || undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && 'message' in error)
    return String(error.message);
  if (typeof message === 'string') return message;
  return JSON.stringify(body);
}

function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function finishReason(reason: string | undefined): ChatResponse['finishReason'] {
  if (reason === 'stop' || reason === 'eos_token' || reason === 'stop_sequence') return 'stop';
  if (reason === 'length') return 'length';
  if (reason === 'tool_calls') return 'tool_calls';
  if (reason === 'content_filter') return 'content_filter';
  return 'other';
}

function toHuggingFaceMessage(message: ChatMessage): ChatCompletionInputMessage {
  if (message.role === 'tool')
    return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
  if (message.role === 'assistant' && message.toolCalls?.length)
    return {
      role: 'assistant',
      content: message.content,
      tool_calls: message.toolCalls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
      })),
    };
  return { role: message.role, content: message.content };
}
