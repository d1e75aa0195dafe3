// Builds the configured chat model. Activities receive the result by injection; wrap it with
// withResponseCache (response-cache.ts) where re-runs should not pay twice.
import path from 'node:path';
import { DEFAULT_MODELS, type Config } from '../../config/environment.js';
import type { ChatModel } from './chat-model.js';
import { createHuggingFaceChatModel } from './huggingface-chat-model.js';
import { createLocalChatModel } from './local-chat-model.js';
import { createOpenAIChatModel } from './openai-chat-model.js';

export async function createChatModel(models: Config['models']): Promise<ChatModel> {
  const settings = models.llm;
  switch (settings.provider) {
    case 'local':
      return createLocalChatModel({
        modelsDirectory: models.directory,
        contextSize: settings.contextSize,
        threads: settings.threads,
        // Any other LLM_MODEL for the local provider is the path of a GGUF file to run instead.
        ...(settings.model === DEFAULT_MODELS.llm.local
          ? {}
          : { modelPath: path.resolve(settings.model), modelId: settings.model }),
      });
    case 'openai':
      return createOpenAIChatModel({
        model: settings.model,
        apiKey: settings.apiKey,
        baseUrl: settings.baseUrl,
        contextSize: settings.contextSize,
        timeoutMs: settings.timeoutMs,
      });
    case 'huggingface':
      return createHuggingFaceChatModel({
        model: settings.model,
        accessToken: settings.apiKey,
        endpointUrl: settings.endpointUrl,
        contextSize: settings.contextSize,
        timeoutMs: settings.timeoutMs,
      });
  }
}
