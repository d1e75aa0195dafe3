// Opik's LLM-judge metrics (Hallucination, AnswerRelevance, Moderation) talk to an
// OpikBaseModel; this one runs them on any of our ChatModels (the local SmolLM2 by default), so
// the judge is configurable like every other model and its calls are traced and cached like
// theirs. Opik hands over a zod schema of the verdict it will parse: it becomes our structured
// output (a grammar for the local model), with explanations bounded so a small model cannot run
// out of tokens inside a string, and scores clamped to [0, 1] (Opik rejects anything else).
import { OpikBaseModel, type OpikMessage } from 'opik';
import { z } from 'zod';
import { clampScore } from '../../domain/evaluation.js';
import type { ChatMessage, ChatModel } from '../llm/chat-model.js';

const MAX_REASON_CHARS = 300;
const DEFAULT_MAX_TOKENS = 256;

/** The verdict schema with every string bounded (a union with a string becomes that string). */
export function boundedVerdictSchema(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject)) return schema;
  const shape = Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => {
      if (field instanceof z.ZodString) return [key, z.string().max(MAX_REASON_CHARS)];
      if (field instanceof z.ZodUnion) {
        const options = field.options as z.ZodType[];
        if (options.some((option) => option instanceof z.ZodString))
          return [key, z.string().max(MAX_REASON_CHARS)];
      }
      return [key, field];
    }),
  );
  return z.object(shape);
}

/** Numbers named like a score are clamped to [0, 1]: a small model may say 7 or -1. */
export function clampVerdict(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return output;
  return Object.fromEntries(
    Object.entries(output as Record<string, unknown>).map(([key, value]) => [
      key,
      typeof value === 'number' && /score/i.test(key) ? clampScore(value) : value,
    ]),
  );
}

function numberOption(options: Record<string, unknown> | undefined, key: string) {
  const value = options?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) =>
        typeof part === 'object' && part !== null && 'text' in part
          ? String((part as { text: unknown }).text)
          : '',
      )
      .join('');
  return '';
}

export class ChatModelJudge extends OpikBaseModel {
  constructor(private readonly model: ChatModel) {
    super(`${model.provider}/${model.modelId}`);
  }

  async generateString(
    input: string,
    responseFormat?: z.ZodType,
    options?: Record<string, unknown>,
  ): Promise<string> {
    const response = await this.model.chat({
      messages: [{ role: 'user', content: input }],
      temperature: numberOption(options, 'temperature') ?? 0,
      maxTokens: numberOption(options, 'maxTokens') ?? DEFAULT_MAX_TOKENS,
      ...(responseFormat
        ? { responseSchema: boundedVerdictSchema(responseFormat), responseSchemaName: 'verdict' }
        : {}),
    });
    if (!responseFormat) return response.text;
    return JSON.stringify(clampVerdict(response.output));
  }

  async generateProviderResponse(
    messages: OpikMessage[],
    options?: Record<string, unknown>,
  ): Promise<unknown> {
    const chatMessages: ChatMessage[] = messages.map((message) => ({
      role: message.role === 'tool' ? 'user' : message.role,
      content: textOf(message.content),
    }));
    return this.model.chat({
      messages: chatMessages,
      temperature: numberOption(options, 'temperature') ?? 0,
      maxTokens: numberOption(options, 'maxTokens') ?? DEFAULT_MAX_TOKENS,
    });
  }
}
