// Stands in for a chat model that could not load, so a worker still starts and serves what
// needs no model; every call fails at once, non-retryably, naming why (e.g. "run second-brain
// models pull") instead of each caller checking for a missing model.
import type { Config } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { ChatModel } from './chat-model.js';

export function unavailableChatModel(
  settings: Pick<Config['models']['llm'], 'provider' | 'model' | 'contextSize'>,
  reason: string,
): ChatModel {
  const message = `The chat model is unavailable on this worker (${reason})`;
  return {
    provider: settings.provider,
    modelId: settings.model,
    contextWindow: settings.contextSize,
    // Only prompt budgeting asks before a call: a rough count is enough for a call that fails.
    countTokens: (text) => Math.ceil(text.length / 4),
    chat: () => Promise.reject(new SecondBrainError('permanent', message)),
  };
}
