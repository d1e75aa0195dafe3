// The answer that needs no model: the passages' own sentences that best match the question,
// quoted word for word with their citations and labelled as quotes. It is the fallback whenever
// a model fails, times out or writes nothing its passages support, so a turn always completes
// with something true.
import { answerTerms } from './answer-terms.js';
import type { Passage } from './passage.js';
import { questionNames } from './relevance.js';
import { plainSentence, splitSentences } from './sentences.js';

export const EXTRACTIVE_LEAD = 'From your knowledge base (quoted from the sources):';

export interface QuotedSentence {
  text: string;
  n: number;
  /** Distinct question terms the sentence holds. */
  matched: number;
  /** How many of those are names in the question (FTI, MongoDB): they count double. */
  names: number;
  score: number;
}

const MAX_QUOTE_CHARS = 400;

/** Sentences of the passages ranked by how many of the question's terms they hold. */
export function rankSentences(question: string, passages: Passage[]): QuotedSentence[] {
  const terms = new Set(answerTerms(question));
  const names = new Set(questionNames(question));
  const ranked: QuotedSentence[] = [];
  passages.forEach((passage, rank) => {
    for (const raw of splitSentences(passage.text)) {
      const text = plainSentence(raw);
      const words = answerTerms(text);
      if (words.length < 4 || text.length > MAX_QUOTE_CHARS * 2) continue;
      const matchedTerms = new Set(words.filter((word) => terms.has(word)));
      const matched = matchedTerms.size;
      const namesHeld = [...matchedTerms].filter((word) => names.has(word)).length;
      // A sentence that introduces what follows ("use a command such as this:") says nothing.
      if (matched === 0 || text.endsWith(':')) continue;
      // Matches count most; a statement (ending in a full stop) beats a heading or a fragment,
      // and a passage's retrieval rank and a sentence's brevity break ties.
      const statement = /[.!?]["”)]?$/.test(text) ? 0.5 : 0;
      ranked.push({
        text,
        n: passage.n,
        matched,
        names: namesHeld,
        score: matched + namesHeld + statement - rank * 0.1 - words.length / 1000,
      });
    }
  });
  return ranked.sort((a, b) => b.score - a.score);
}

function clip(text: string): string {
  if (text.length <= MAX_QUOTE_CHARS) return text;
  const cut = text.slice(0, MAX_QUOTE_CHARS);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), MAX_QUOTE_CHARS - 40))}…`;
}

/** Up to `maxQuotes` quoted sentences, in passage order, each with its [n]; '' if none match. */
export function extractiveAnswer(question: string, passages: Passage[], maxQuotes = 3): string {
  const chosen: QuotedSentence[] = [];
  const ranked = rankSentences(question, passages);
  // A sentence with half the terms of the best one still helps; one stray word does not. When
  // the best one holds a name of the question, so must the others: for "What is the FTI
  // architecture?", a sentence on BERT's architecture shares a word, not the subject. Half the
  // terms is enough beside the best sentence, in its own source; from another source a
  // sentence must hold as many: for "What does paged attention do?", "Attention needs the keys
  // and values of every earlier token." continues the paged-attention passage, while a BERT
  // sentence on self-attention shares a word, not the subject.
  const best = ranked[0];
  const related = (candidate: QuotedSentence) =>
    candidate.matched * 2 >= (best?.matched ?? 0) &&
    (best?.names === 0 || candidate.names > 0) &&
    (candidate.n === best?.n || candidate.matched >= (best?.matched ?? 0));
  for (const sentence of ranked.filter(related)) {
    if (chosen.some((other) => other.text === sentence.text)) continue;
    chosen.push(sentence);
    if (chosen.length === maxQuotes) break;
  }
  if (chosen.length === 0) return '';
  const order = new Map(passages.map((passage, index) => [passage.n, index]));
  chosen.sort((a, b) => (order.get(a.n) ?? 0) - (order.get(b.n) ?? 0));
  return [EXTRACTIVE_LEAD, ...chosen.map((quote) => `> “${clip(quote.text)}” [${quote.n}]`)].join(
    '\n\n',
  );
}
