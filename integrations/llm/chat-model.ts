// The chat model port. Every LLM step (quality scoring, contextual summaries, distillation, the
// agent, evaluation judges) talks to this interface; providers (openai, huggingface, local)
// implement it and are injected into activity factories, never reached through global state.
import type { z } from 'zod';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  name: string;
  /** Parsed JSON arguments as the model produced them (validate against the tool's schema). */
  arguments: unknown;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** For role 'tool': the call this message answers. */
  toolCallId?: string;
  /** For role 'assistant': the tool calls it made. */
  toolCalls?: ToolCall[];
}

export interface ToolDefinition {
  name: string;
  description: string;
  parameters: z.ZodType;
}

export interface ChatRequest<T = unknown> {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** When set, the reply is structured output validated against this schema. */
  responseSchema?: z.ZodType<T>;
  /** A name for the schema (providers such as OpenAI require one). */
  responseSchemaName?: string;
  tools?: ToolDefinition[];
  /** false bypasses the response cache for this call. */
  cache?: boolean;
  signal?: AbortSignal;
  /**
   * Called with each piece of text as the model generates it, for live display. The response
   * is still complete and validated; providers that cannot stream call it once with the whole
   * reply. A cached response does not call it.
   */
  onText?: (piece: string) => void;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResponse<T = unknown> {
  text: string;
  /** The validated structured output, when responseSchema was given. */
  output: T | undefined;
  toolCalls: ToolCall[];
  finishReason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';
  usage: TokenUsage;
  provider: string;
  model: string;
  /** True when answered from the response cache. */
  cached: boolean;
}

export interface ChatModel {
  readonly provider: string;
  readonly modelId: string;
  /** Context window in tokens, for budgets and truncation. */
  readonly contextWindow: number;
  chat<T = unknown>(request: ChatRequest<T>): Promise<ChatResponse<T>>;
  /** Token count with the model's own tokenizer (or a documented estimate). */
  countTokens(text: string): number;
}

/**
 * A decorator's model: everything forwarded to `model` except `chat`, which the decorator
 * (the response cache, tracing) wraps around the model's own.
 */
export function withChat(model: ChatModel, chat: ChatModel['chat']): ChatModel {
  return {
    provider: model.provider,
    modelId: model.modelId,
    contextWindow: model.contextWindow,
    countTokens: (text) => model.countTokens(text),
    chat,
  };
}
