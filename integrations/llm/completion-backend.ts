// What each provider implements: one raw completion call with native JSON-schema output and
// tools. chatModelFromBackend adds what every provider shares on top: zod schemas turned into
// JSON Schema, parsing and validation of structured replies, and the one corrective retry.
import { z } from 'zod';
import { SecondBrainError } from '../../domain/errors.js';
import type {
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatResponse,
  TokenUsage,
  ToolCall,
} from './chat-model.js';

export type JsonSchema = Record<string, unknown>;

export interface CompletionRequest {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for JSON matching this schema (the provider's native structured output). */
  jsonSchema?: { name: string; schema: JsonSchema };
  tools?: { name: string; description: string; parameters: JsonSchema }[];
  signal?: AbortSignal;
  /** Each generated piece of text, as it is produced (see ChatRequest.onText). */
  onText?: (piece: string) => void;
}

export interface Completion {
  text: string;
  toolCalls: ToolCall[];
  finishReason: ChatResponse['finishReason'];
  usage: TokenUsage;
}

export interface CompletionBackend {
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number;
  countTokens(text: string): number;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** A zod schema as plain JSON Schema (no $schema key, which some providers reject). */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'output' }) as JsonSchema;
  return rest;
}

type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a structured reply: JSON (optionally fenced in ```json), then the zod schema. */
export function parseStructuredReply<T>(text: string, schema: z.ZodType<T>): ParseResult<T> {
  const unfenced = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch (error) {
    return { ok: false, error: `the reply is not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    error: parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; '),
  };
}

export function chatModelFromBackend(backend: CompletionBackend): ChatModel {
  return {
    provider: backend.provider,
    modelId: backend.modelId,
    contextWindow: backend.contextWindow,
    countTokens: (text) => backend.countTokens(text),
    chat: <T>(request: ChatRequest<T>) => chatWithBackend(backend, request),
  };
}

async function chatWithBackend<T>(
  backend: CompletionBackend,
  request: ChatRequest<T>,
): Promise<ChatResponse<T>> {
  const schema = request.responseSchema;
  const base: CompletionRequest = {
    messages: request.messages,
    temperature: request.temperature,
    maxTokens: request.maxTokens,
    signal: request.signal,
    jsonSchema: schema && {
      name: request.responseSchemaName ?? 'response',
      schema: toJsonSchema(schema),
    },
    tools: request.tools?.map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: toJsonSchema(tool.parameters),
    })),
  };
  const respond = (completion: Completion, output: T | undefined, usage: TokenUsage) => ({
    ...completion,
    output,
    usage,
    provider: backend.provider,
    model: backend.modelId,
    cached: false,
  });

  // Only the first reply streams: a corrective retry would read as a second answer.
  const first = await backend.complete({ ...base, onText: request.onText });
  if (!schema || first.toolCalls.length > 0) return respond(first, undefined, first.usage);
  const parsed = parseStructuredReply(first.text, schema);
  if (parsed.ok) return respond(first, parsed.value, first.usage);

  // One corrective retry: show the model its reply and what was wrong with it.
  const retry = await backend.complete({
    ...base,
    messages: [
      ...request.messages,
      { role: 'assistant', content: first.text },
      {
        role: 'user',
        content:
          `Your reply was invalid: ${parsed.error}. Reply again with only a JSON value that ` +
          `matches this JSON schema:\n${JSON.stringify(base.jsonSchema?.schema)}`,
      },
    ],
  });
  const usage = {
    promptTokens: first.usage.promptTokens + retry.usage.promptTokens,
    completionTokens: first.usage.completionTokens + retry.usage.completionTokens,
  };
  if (retry.toolCalls.length > 0) return respond(retry, undefined, usage);
  const second = parseStructuredReply(retry.text, schema);
  if (second.ok) return respond(retry, second.value, usage);
  throw new SecondBrainError(
    'invalidModelOutput',
    `${backend.provider} model ${backend.modelId} returned invalid structured output ` +
      `"${base.jsonSchema?.name}" twice: ${second.error}`,
    {
      details: {
        provider: backend.provider,
        model: backend.modelId,
        schemaName: base.jsonSchema?.name,
        firstError: parsed.error,
        secondError: second.error,
        finishReason: retry.finishReason,
        // Bounded, so a caller can salvage a truncated answer; it never reaches a workflow
        // history when the caller handles the error.
        replyText: retry.text.slice(0, 8_000),
      },
    },
  );
}
