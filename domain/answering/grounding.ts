// Checks a model's draft against the passages it was given, sentence by sentence. A sentence is
// kept only when most of its meaning-bearing words stand in one passage and it adds no negation
// that passage lacks ("Never feed your starter twice a day" against "Feed your starter twice a
// day" fails); it is then cited with that passage's number, whatever number the model wrote.
// Small models mix true sentences with invented ones, so this keeps the true ones and drops
// the rest instead of trusting or rejecting a whole reply.
import { answerTerms, negationsIn } from './answer-terms.js';
import type { Passage } from './passage.js';
import { plainSentence, splitSentences } from './sentences.js';

export interface GroundingOptions {
  /** Share of a sentence's terms its passage must contain (default 0.65). */
  minSupport?: number;
  /** Sentences kept at most (default 4). */
  maxSentences?: number;
}

export interface GroundedSentence {
  text: string;
  n: number;
  support: number;
}

export interface GroundingResult {
  sentences: GroundedSentence[];
  dropped: number;
  /** The kept sentences with their [n] markers, '' when none survived. */
  answer: string;
  citations: number[];
}

const MARKER = /\s*\[(\d{1,3})\]/g;

/** Support of a sentence by one passage: the share of its terms the passage holds. */
export function supportBy(sentence: string, passageTerms: Set<string>): number {
  const terms = [...new Set(answerTerms(sentence))];
  if (terms.length === 0) return 0;
  return terms.filter((term) => passageTerms.has(term)).length / terms.length;
}

export function groundDraft(
  draft: string,
  passages: Passage[],
  options: GroundingOptions = {},
): GroundingResult {
  const minSupport = options.minSupport ?? 0.65;
  const maxSentences = options.maxSentences ?? 4;
  const indexed = passages.map((passage) => ({
    passage,
    terms: new Set(answerTerms(`${passage.title}\n${passage.text}`)),
    negations: negationsIn(passage.text),
  }));
  const kept: GroundedSentence[] = [];
  let dropped = 0;
  const seen = new Set<string>();
  for (const raw of splitSentences(draft)) {
    const text = plainSentence(raw.replace(MARKER, '')).replace(/\s+([.,;:!?])/g, '$1');
    // A sentence cut off by the token limit ends without punctuation: it is not a claim.
    if (!/[.!?)"'`]$/.test(text) || answerTerms(text).length < 2) {
      dropped++;
      continue;
    }
    const key = answerTerms(text).join(' ');
    if (seen.has(key)) {
      dropped++;
      continue;
    }
    let best: { n: number; support: number } | undefined;
    for (const entry of indexed) {
      const extraNegation = [...negationsIn(text)].some((word) => !entry.negations.has(word));
      if (extraNegation) continue;
      const support = supportBy(text, entry.terms);
      if (!best || support > best.support) best = { n: entry.passage.n, support };
    }
    if (!best || best.support < minSupport || kept.length >= maxSentences) {
      dropped++;
      continue;
    }
    seen.add(key);
    kept.push({ text, n: best.n, support: best.support });
  }
  return {
    sentences: kept,
    dropped,
    answer: kept
      .map((sentence) => `${sentence.text.replace(/[.!?]$/, '')} [${sentence.n}].`)
      .join(' '),
    citations: [...new Set(kept.map((sentence) => sentence.n))],
  };
}
