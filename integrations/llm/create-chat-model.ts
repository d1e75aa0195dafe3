// Builds the configured chat model. Activities receive the result by injection; wrap it with
// withResponseCache (response-cache.ts) where re-runs should not pay twice.
import type { Config } from '../../config/environment.js';
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
