// A response cache around any ChatModel, in MongoDB. Activities run at least once, so a re-run
// (or a retried workflow) asks the same questions again; identical requests (provider, model,
// messages, parameters, schema, tools) are answered from the collection instead of paid twice.
// Kept to the FerretDB v1 subset: one document per request, keyed by a sha256, upserted.
import { createHash } from 'node:crypto';
import type { Collection } from 'mongodb';
import { toDatabaseError } from '../mongo/mongo-database.js';
import { withChat, type ChatModel, type ChatRequest, type ChatResponse } from './chat-model.js';
import { toJsonSchema } from './completion-backend.js';

export interface CachedChatResponse {
  _id: string;
  provider: string;
  model: string;
  response: Pick<ChatResponse, 'text' | 'output' | 'toolCalls' | 'finishReason' | 'usage'>;
  createdAt: Date;
}

/** The cache key: a sha256 of everything that shapes the answer (never the abort signal). */
export function responseCacheKey(model: ChatModel, request: ChatRequest<unknown>): string {
  const identity = {
    provider: model.provider,
    model: model.modelId,
    messages: request.messages,
    temperature: request.temperature ?? null,
    maxTokens: request.maxTokens ?? null,
    schema: request.responseSchema ? toJsonSchema(request.responseSchema) : null,
    schemaName: request.responseSchemaName ?? null,
    tools: (request.tools ?? []).map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: toJsonSchema(tool.parameters),
    })),
  };
  return createHash('sha256').update(stableStringify(identity)).digest('hex');
}

export function withResponseCache(
  model: ChatModel,
  collection: Collection<CachedChatResponse>,
): ChatModel {
  return withChat(model, async function chat<T>(request: ChatRequest<T>): Promise<ChatResponse<T>> {
    if (request.cache === false) return model.chat(request);
    const key = responseCacheKey(model, request);
    let hit: CachedChatResponse | null;
    try {
      hit = await collection.findOne({ _id: key });
    } catch (error) {
      throw toDatabaseError(error, 'read of the LLM response cache');
    }
    if (hit) {
      // The schema may have changed shape since the answer was stored: re-validate it.
      const output = request.responseSchema?.safeParse(hit.response.output);
      if (!output || output.success)
        return {
          ...hit.response,
          output: output?.data,
          provider: model.provider,
          model: model.modelId,
          cached: true,
        };
    }
    const response = await model.chat(request);
    const { text, output, toolCalls, finishReason, usage } = response;
    try {
      await collection.updateOne(
        { _id: key },
        {
          $set: {
            provider: model.provider,
            model: model.modelId,
            // undefined is not storable: null marks "no structured output".
            response: { text, output: output ?? null, toolCalls, finishReason, usage },
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
    } catch (error) {
      throw toDatabaseError(error, 'write of the LLM response cache');
    }
    return response;
  });
}

/** JSON with object keys sorted, so equal requests give equal keys whatever the key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map(
        (key) =>
          `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`,
      )
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
