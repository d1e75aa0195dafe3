// Embeddings through the OpenAI SDK: api.openai.com or any OpenAI-compatible server.
import { SecondBrainError } from '../../domain/errors.js';
import { createOpenAIClient, openAIError } from '../llm/openai-chat-model.js';
import type { EmbeddingModel } from './embedding-model.js';
import { l2Normalize } from './normalize.js';

const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export function createOpenAIEmbeddingModel(options: {
  model: string;
  apiKey: string | undefined;
  baseUrl?: string;
  /** Required for models not in KNOWN_DIMENSIONS; text-embedding-3-* can shorten vectors. */
  dimensions?: number;
  timeoutMs: number;
}): EmbeddingModel {
  const identity = { provider: 'openai', model: options.model };
  const dimensions = options.dimensions ?? KNOWN_DIMENSIONS[options.model];
  if (dimensions === undefined)
    throw new SecondBrainError(
      'validation',
      `openai embedding model ${options.model}: its vector size is unknown; set EMBEDDING_DIMENSIONS`,
      { details: identity },
    );
  const client = createOpenAIClient(options);
  // Only text-embedding-3 models accept a `dimensions` parameter.
  const sendDimensions =
    options.dimensions !== undefined && options.model.startsWith('text-embedding-3');
  return {
    provider: 'openai',
    modelId: options.model,
    dimensions,
    maxBatchSize: 256,
    async embed(texts) {
      if (texts.length === 0) return [];
      let response;
      try {
        response = await client.embeddings.create({
          model: options.model,
          input: texts,
          encoding_format: 'float',
          ...(sendDimensions ? { dimensions } : {}),
        });
      } catch (error) {
        throw openAIError(identity, error);
      }
      const vectors = [...response.data]
        .sort((a, b) => a.index - b.index)
        .map((item) => l2Normalize(item.embedding));
      checkShape(identity, vectors, texts.length, dimensions);
      return vectors;
    },
  };
}

export function checkShape(
  identity: { provider: string; model: string },
  vectors: Float32Array[],
  count: number,
  dimensions: number,
): void {
  if (vectors.length !== count || vectors.some((vector) => vector.length !== dimensions))
    throw new SecondBrainError(
      'transient',
      `${identity.provider} embedding model ${identity.model} returned ${vectors.length} vectors of ` +
        `${vectors[0]?.length ?? 0} dimensions for ${count} texts (expected ${dimensions})`,
      { details: identity },
    );
}
