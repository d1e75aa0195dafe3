// OpenAI and every OpenAI-compatible server (Ollama, vLLM, LM Studio, TGI) through the official
// SDK. maxRetries is 0: Temporal owns retries, so a 429 surfaces at once with its Retry-After.
import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ChatModel, ChatResponse, ToolCall } from './chat-model.js';
import {
  chatModelFromBackend,
  type Completion,
  type CompletionBackend,
  type CompletionRequest,
} from './completion-backend.js';
import { contentRefusal, modelHttpError, modelNetworkError } from './model-errors.js';
import { knownContextWindow, tiktokenCounter } from './token-counter.js';

export interface OpenAIChatModelOptions {
  model: string;
  apiKey: string | undefined;
  /** An OpenAI-compatible server; unset = api.openai.com. */
  baseUrl?: string;
  /** Used when the model's window is not known (any non-OpenAI model). */
  contextSize: number;
  timeoutMs: number;
  /** Reported provider name (e.g. 'openai'); the wire format is OpenAI's either way. */
  provider?: string;
}

export function createOpenAIClient(options: {
  apiKey: string | undefined;
  baseUrl?: string;
  timeoutMs: number;
}): OpenAI {
  return new OpenAI({
    // Local OpenAI-compatible servers accept any key; the SDK insists on one being set.
    apiKey: options.apiKey ?? 'no-key',
    baseURL: options.baseUrl,
    maxRetries: 0,
    timeout: options.timeoutMs,
  });
}

export function createOpenAIChatModel(options: OpenAIChatModelOptions): ChatModel {
  return chatModelFromBackend(new OpenAIBackend(options));
}

class OpenAIBackend implements CompletionBackend {
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number;
  readonly countTokens: (text: string) => number;
  private readonly client: OpenAI;

  constructor(options: OpenAIChatModelOptions) {
    this.provider = options.provider ?? 'openai';
    this.modelId = options.model;
    this.contextWindow = knownContextWindow(options.model) ?? options.contextSize;
    this.countTokens = tiktokenCounter(options.model);
    this.client = createOpenAIClient(options);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const identity = { provider: this.provider, model: this.modelId };
    // Reasoning models take max_completion_tokens; compatible servers know max_tokens.
    const tokenLimit = /^(o\d|gpt-5)/.test(this.modelId)
      ? { max_completion_tokens: request.maxTokens }
      : { max_tokens: request.maxTokens };
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.modelId,
      messages: request.messages.map(toOpenAIMessage),
      temperature: request.temperature,
      ...tokenLimit,
      response_format: request.jsonSchema && {
        type: 'json_schema',
        json_schema: jsonSchemaFormat(request.jsonSchema.name, request.jsonSchema.schema),
      },
      tools: request.tools?.map((tool) => ({
        type: 'function' as const,
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      })),
    };
    let response: OpenAI.Chat.Completions.ChatCompletion;
    try {
      response = request.onText
        ? await this.streamCompletion(body, request.onText, request.signal)
        : await this.client.chat.completions.create(body, { signal: request.signal });
    } catch (error) {
      throw openAIError(identity, error);
    }
    const choice = response.choices[0];
    if (!choice) throw contentRefusal(identity, 'the reply has no choices');
    if (choice.message.refusal) throw contentRefusal(identity, choice.message.refusal);
    if (choice.finish_reason === 'content_filter')
      throw contentRefusal(identity, 'the reply was stopped by the content filter');
    const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).flatMap((call) =>
      call.type === 'function'
        ? [
            {
              id: call.id,
              name: call.function.name,
              arguments: parseArguments(call.function.arguments),
            },
          ]
        : [],
    );
    return {
      text: choice.message.content ?? '',
      toolCalls,
      finishReason: finishReason(choice.finish_reason),
      usage: {
        promptTokens: response.usage?.prompt_tokens ?? 0,
        completionTokens: response.usage?.completion_tokens ?? 0,
      },
    };
  }

  /** The same completion as server-sent chunks, each text piece passed on as it arrives. */
  private async streamCompletion(
    body: ChatCompletionCreateParamsNonStreaming,
    onText: (piece: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<OpenAI.Chat.Completions.ChatCompletion> {
    const stream = this.client.chat.completions.stream(
      { ...body, stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    stream.on('content', (piece) => onText(piece));
    return stream.finalChatCompletion();
  }
}

/** Maps an OpenAI SDK error into the taxonomy. Shared with the embeddings adapter. */
export function openAIError(
  identity: { provider: string; model: string },
  error: unknown,
): unknown {
  if (error instanceof OpenAI.APIUserAbortError) return error;
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const headers = error.headers as Headers | undefined;
    return modelHttpError(identity, {
      status: error.status,
      message: error.message,
      code: error.code,
      retryAfter: headers?.get('retry-after'),
      retryAfterMs: headers?.get('retry-after-ms'),
      cause: error,
    });
  }
  return modelNetworkError(identity, error);
}

/**
 * OpenAI's strict structured outputs guarantee schema-shaped replies, but only for schemas whose
 * objects list every property as required and forbid extra ones. Such schemas are sent strict
 * (with additionalProperties: false made explicit); others go as plain json_schema and rely on
 * validation and the corrective retry.
 */
export function jsonSchemaFormat(
  name: string,
  schema: Record<string, unknown>,
): { name: string; schema: Record<string, unknown>; strict: boolean } {
  const safeName = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'response';
  const strictSchema = toStrictSchema(schema);
  return strictSchema
    ? { name: safeName, schema: strictSchema as Record<string, unknown>, strict: true }
    : { name: safeName, schema, strict: false };
}

function toStrictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    const items = schema.map(toStrictSchema);
    return items.includes(undefined) ? undefined : items;
  }
  if (typeof schema !== 'object' || schema === null) return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([property, child]) => [property, toStrictSchema(child)] as const,
      );
      if (entries.some(([, child]) => child === undefined)) return undefined;
      result.properties = Object.fromEntries(entries);
    } else if (typeof value === 'object' && value !== null) {
      const child = toStrictSchema(value);
      if (child === undefined) return undefined;
      result[key] = child;
    } else result[key] = value;
  }
  if (result.type === 'object' || result.properties) {
    const properties = Object.keys((result.properties as Record<string, unknown>) ?? {});
    const required = (result.required as string[] | undefined) ?? [];
    if (properties.some((property) => !required.includes(property))) return undefined;
    if (result.additionalProperties !== undefined && result.additionalProperties !== false)
      return undefined;
    result.additionalProperties = false;
  }
  return result;
}

function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    // Left as text: the caller validates arguments against the tool's schema and reports it.
    return raw;
  }
}

function finishReason(reason: string | null | undefined): ChatResponse['finishReason'] {
  if (
    reason === 'stop' ||
    reason === 'length' ||
    reason === 'tool_calls' ||
    reason === 'content_filter'
  )
    return reason;
  if (reason === 'function_call') return 'tool_calls';
  return 'other';
}

export function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  if (message.role === 'tool')
    return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
  if (message.role === 'assistant')
    return {
      role: 'assistant',
      content: message.content,
      tool_calls: message.toolCalls?.length
        ? message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          }))
        : undefined,
    };
  return { role: message.role, content: message.content };
}
