// Embeddings through Hugging Face feature extraction: a dedicated endpoint
// (HF_EMBEDDING_ENDPOINT_URL, e.g. Text Embeddings Inference) or the hf-inference provider.
import { SecondBrainError } from '../../domain/errors.js';
import { huggingFaceClient, huggingFaceError } from '../llm/huggingface-chat-model.js';
import type { EmbeddingModel } from './embedding-model.js';
import { l2Normalize, meanPool } from './normalize.js';
import { checkShape } from './openai-embedding-model.js';

const KNOWN_DIMENSIONS: Record<string, number> = {
  'sentence-transformers/all-MiniLM-L6-v2': 384,
  'BAAI/bge-small-en-v1.5': 384,
  'BAAI/bge-base-en-v1.5': 768,
  'intfloat/multilingual-e5-small': 384,
};

export function createHuggingFaceEmbeddingModel(options: {
  model: string;
  accessToken: string | undefined;
  endpointUrl?: string;
  dimensions?: number;
  timeoutMs: number;
}): EmbeddingModel {
  const identity = { provider: 'huggingface', model: options.model };
  const dimensions = options.dimensions ?? KNOWN_DIMENSIONS[options.model];
  if (dimensions === undefined)
    throw new SecondBrainError(
      'validation',
      `huggingface embedding model ${options.model}: its vector size is unknown; set EMBEDDING_DIMENSIONS`,
      { details: identity },
    );
  return {
    provider: 'huggingface',
    modelId: options.model,
    dimensions,
    maxBatchSize: 32,
    async embed(texts) {
      if (texts.length === 0) return [];
      const { client, retryAfter } = huggingFaceClient(options);
      let output: unknown;
      try {
        output = await client.featureExtraction(
          options.endpointUrl
            ? { inputs: texts }
            : { model: options.model, inputs: texts, provider: 'hf-inference' },
          { signal: AbortSignal.timeout(options.timeoutMs) },
        );
      } catch (error) {
        throw huggingFaceError(identity, error, retryAfter());
      }
      // Sentence models answer one vector per text; plain encoders one vector per token.
      const rows = output as (number[] | number[][])[];
      const vectors = rows.map((row) =>
        l2Normalize(Array.isArray(row[0]) ? meanPool(row as number[][]) : (row as number[])),
      );
      checkShape(identity, vectors, texts.length, dimensions);
      return vectors;
    },
  };
}
