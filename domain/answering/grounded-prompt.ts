// The one prompt of the grounded answer path: the question, the passages (numbered, fenced as
// untrusted data) and the conversation so far, within a token budget counted with the model's
// own tokenizer. Every passage is cut down to its sentences that match the question first, so a
// small model reads a few hundred tokens of what matters instead of whole chunks, which is
// both faster on a CPU and what it can actually follow.
import { fenceUntrusted, untrustedTextRule } from '../untrusted-text.js';
import { rankSentences } from './extractive-answer.js';
import type { Passage } from './passage.js';
import { splitSentences, plainSentence } from './sentences.js';

export interface PromptMessage {
  role: 'system' | 'user';
  content: string;
}

export interface GroundedPromptInput {
  question: string;
  passages: Passage[];
  /** The conversation so far (summary and the last turns), '' for a first question. */
  conversation: string;
  /** Tokens the prompt may use: the context window less the answer's tokens and a margin. */
  budgetTokens: number;
  countTokens: (text: string) => number;
}

export const GROUNDED_SYSTEM_PROMPT = [
  'You are Second Brain. Answer the question in one to three short sentences, using only the numbered sources.',
  'End each sentence with the number of the source it comes from, like [1].',
  'If the sources do not answer the question, say that the knowledge base does not cover it.',
  untrustedTextRule('SOURCE'),
].join('\n');

/** A passage reduced to its sentences that match the question (in their order), to maxChars. */
export function excerpt(question: string, passage: Passage, maxChars: number): string {
  const wanted = new Set(
    rankSentences(question, [passage])
      .slice(0, 6)
      .map((sentence) => sentence.text),
  );
  const sentences = splitSentences(passage.text).map(plainSentence);
  const chosen = wanted.size > 0 ? sentences.filter((sentence) => wanted.has(sentence)) : sentences;
  let text = '';
  for (const sentence of chosen) {
    if (text.length + sentence.length + 1 > maxChars) break;
    text += `${text ? ' ' : ''}${sentence}`;
  }
  return text || chosen[0]?.slice(0, maxChars) || passage.text.slice(0, maxChars);
}

function render(
  input: GroundedPromptInput,
  passages: Passage[],
  perPassage: number,
): PromptMessage[] {
  const sources = passages.map((passage) =>
    fenceUntrusted('SOURCE', excerpt(input.question, passage, perPassage), {
      n: passage.n,
      title: passage.title,
    }),
  );
  const conversation = input.conversation
    ? `${fenceUntrusted('CONVERSATION', input.conversation)}\n\n`
    : '';
  return [
    { role: 'system', content: GROUNDED_SYSTEM_PROMPT },
    {
      role: 'user',
      content: `${conversation}Sources:\n${sources.join('\n')}\n\nQuestion: ${input.question}`,
    },
  ];
}

export function promptTokens(
  messages: PromptMessage[],
  countTokens: (text: string) => number,
): number {
  // Each message costs its chat-template tokens too (role headers, separators).
  return messages.reduce((sum, message) => sum + countTokens(message.content) + 8, 0);
}

/**
 * The prompt within budget: passages shrink (per-passage excerpt length), then the weakest
 * passages drop, then the conversation goes; the question and instructions always stay.
 */
export function buildGroundedPrompt(input: GroundedPromptInput): {
  messages: PromptMessage[];
  passages: Passage[];
  tokens: number;
} {
  let passages = input.passages;
  let conversation = input.conversation;
  for (;;) {
    for (const perPassage of [700, 450, 300, 200]) {
      const messages = render({ ...input, conversation }, passages, perPassage);
      const tokens = promptTokens(messages, input.countTokens);
      if (tokens <= input.budgetTokens) return { messages, passages, tokens };
    }
    if (passages.length > 1) passages = passages.slice(0, -1);
    else if (conversation) conversation = '';
    else {
      const messages = render(
        { ...input, conversation, question: input.question.slice(0, 500) },
        passages,
        120,
      );
      return { messages, passages, tokens: promptTokens(messages, input.countTokens) };
    }
  }
}
