// Prompts of contextual retrieval. `simple` asks once per document for a TL;DR that is prepended
// to each of its chunks; `full` follows Anthropic's contextual retrieval: the model reads the
// whole document and the chunk and writes a short context that situates the chunk, which is
// prepended before embedding and BM25 indexing. Document and chunk are crawled text, so both
// travel in untrusted-text fences (domain/untrusted-text.ts).
import { fenceUntrusted, untrustedTextRule } from '../untrusted-text.js';

export const CONTEXTUAL_MODES = ['none', 'simple', 'full'] as const;
export type ContextualMode = (typeof CONTEXTUAL_MODES)[number];

export interface PromptMessages {
  system: string;
  user: string;
}

/** Most tokens a context may take (both modes): short contexts keep chunks on topic. */
export const CONTEXT_MAX_TOKENS = 120;

export function documentSummaryPrompt(title: string, document: string): PromptMessages {
  return {
    system:
      'You write one- or two-sentence TL;DRs of documents for a search index. Name the subject, ' +
      'the key entities and what the document is for. Reply with the TL;DR only. ' +
      untrustedTextRule('DOCUMENT'),
    user: `${fenceUntrusted('DOCUMENT', document, { title })}\n\nWrite the TL;DR of this document.`,
  };
}

export function chunkContextPrompt(title: string, document: string, chunk: string): PromptMessages {
  return {
    system:
      'You situate an excerpt within its document so that a search engine can find it. Reply with ' +
      'one or two sentences of context only: what the document is, and where this excerpt fits ' +
      'in it (section, subject, entities it refers to). Do not repeat the excerpt. ' +
      `${untrustedTextRule('DOCUMENT')} ${untrustedTextRule('CHUNK')}`,
    user:
      `${fenceUntrusted('DOCUMENT', document, { title })}\n\n` +
      `The excerpt to situate:\n${fenceUntrusted('CHUNK', chunk)}\n\nWrite the short context for this excerpt.`,
  };
}

/**
 * The longest prefix of `text` within `budget` tokens, cut at a paragraph or line break where
 * one is near, with a marker that the document goes on. Binary search on the length keeps the
 * number of token counts logarithmic.
 */
export function truncateToTokenBudget(
  text: string,
  budget: number,
  countTokens: (text: string) => number,
): string {
  if (budget <= 0) return '';
  if (countTokens(text) <= budget) return text;
  const marker = '\n\n[… document truncated …]';
  const room = budget - countTokens(marker);
  if (room <= 0) return '';
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (countTokens(text.slice(0, middle)) <= room) low = middle;
    else high = middle - 1;
  }
  let cut = text.slice(0, low);
  const lastBreak = Math.max(cut.lastIndexOf('\n\n'), cut.lastIndexOf('\n'));
  if (lastBreak > cut.length * 0.8) cut = cut.slice(0, lastBreak);
  return `${cut.trimEnd()}${marker}`;
}
