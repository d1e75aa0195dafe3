// Builds the configured embedding model. Activities receive the result by injection.
import type { Config } from '../../config/environment.js';
import type { EmbeddingModel } from './embedding-model.js';
import { createHuggingFaceEmbeddingModel } from './huggingface-embedding-model.js';
import { createLocalEmbeddingModel } from './local-embedding-model.js';
import { createOpenAIEmbeddingModel } from './openai-embedding-model.js';

export async function createEmbeddingModel(models: Config['models']): Promise<EmbeddingModel> {
  const settings = models.embeddings;
  switch (settings.provider) {
    case 'local':
      return createLocalEmbeddingModel({
        modelsDirectory: models.directory,
        threads: settings.threads,
      });
    case 'openai':
      return createOpenAIEmbeddingModel({
        model: settings.model,
        apiKey: settings.apiKey,
        baseUrl: settings.baseUrl,
        dimensions: settings.dimensions,
        timeoutMs: settings.timeoutMs,
      });
    case 'huggingface':
      return createHuggingFaceEmbeddingModel({
        model: settings.model,
        accessToken: settings.apiKey,
        endpointUrl: settings.endpointUrl,
        dimensions: settings.dimensions,
        timeoutMs: settings.timeoutMs,
      });
  }
}
