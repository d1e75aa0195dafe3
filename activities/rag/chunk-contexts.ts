// Contextual retrieval's LLM texts for one document's chunks: one TL;DR of the document
// (simple) or one context per chunk (full), each cached by content hash and model (the
// rag-context-cache store), so a rebuild or a retried activity asks the model only for what it
// never answered.
import type { DocumentChunk } from '../../domain/chunking/document-chunker.js';
import { sha256Hex } from '../../domain/chunking/chunk-id.js';
import type { Document } from '../../domain/document.js';
import {
  CONTEXT_MAX_TOKENS,
  chunkContextPrompt,
  documentSummaryPrompt,
  truncateToTokenBudget,
  type PromptMessages,
} from '../../domain/rag/contextual-prompts.js';
import type { RagIndexSettings } from '../../domain/rag/rag-index.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import { heartbeat, type RagContext } from './rag-context.js';

export interface ContextCounters {
  generated: number;
  cached: number;
}

/** Cached LLM text by key; generates and stores it when missing. */
async function cachedContext(
  context: RagContext,
  key: string,
  llm: ChatModel,
  prompt: PromptMessages,
  counters: ContextCounters,
): Promise<string> {
  const id = sha256Hex(`${key}\u0000${llm.provider}/${llm.modelId}`);
  const hit = await context.contextCache.find(id);
  if (hit !== undefined) {
    counters.cached++;
    return hit;
  }
  const response = await llm.chat({
    messages: [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ],
    temperature: 0,
    maxTokens: CONTEXT_MAX_TOKENS,
  });
  const text = response.text.trim();
  counters.generated++;
  await context.contextCache.save(id, text, `${llm.provider}/${llm.modelId}`);
  return text;
}

/** The document text the model may read: the whole document within the model's budget. */
function documentForPrompt(llm: ChatModel, content: string, chunkTokens: number): string {
  const budget = Math.max(0, llm.contextWindow - chunkTokens - CONTEXT_MAX_TOKENS - 400);
  return truncateToTokenBudget(content, budget, (text) => llm.countTokens(text));
}

/** One context per chunk ('' each when contextualMode is none). */
export async function chunkContexts(
  context: RagContext,
  document: Document,
  contentHash: string,
  chunks: readonly DocumentChunk[],
  llm: ChatModel | undefined,
  settings: RagIndexSettings,
  counters: ContextCounters,
  position: number,
): Promise<string[]> {
  const title = document.metadata.title;
  const contexts: string[] = [];
  if (llm && settings.contextualMode === 'simple' && chunks.length > 0) {
    const summary = await cachedContext(
      context,
      `summary\u0000${contentHash}`,
      llm,
      documentSummaryPrompt(title, documentForPrompt(llm, document.content, 0)),
      counters,
    );
    for (let index = 0; index < chunks.length; index++) contexts.push(summary);
  } else if (llm && settings.contextualMode === 'full') {
    for (const chunk of chunks) {
      contexts.push(
        await cachedContext(
          context,
          `chunk\u0000${contentHash}\u0000${sha256Hex(chunk.text)}`,
          llm,
          chunkContextPrompt(
            title,
            documentForPrompt(llm, document.content, chunk.tokenCount),
            chunk.text,
          ),
          counters,
        ),
      );
      heartbeat({ batchPosition: position, contexts: contexts.length });
    }
  }
  return contexts;
}
