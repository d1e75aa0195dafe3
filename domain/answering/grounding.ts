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
  /** Texts a kept sentence must not echo (the prompt's own instructions). */
  forbidden?: string[];
  /**
   * The question answered. A sentence that only restates it ("ReaderLM-v2 is ReaderLM-v2.")
   * shares every term with the passage that names the subject, so it passes the support check
   * while telling the reader nothing: it must add at least MIN_NEW_TERMS terms of its own.
   */
  question?: string;
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

/** Consecutive passage sentences a draft sentence must stand in: one place, not a whole chunk. */
const SUPPORT_WINDOW = 3;
/** Term overlap above which a sentence repeats one already kept. */
const REPEAT_OVERLAP = 0.8;
/** Terms beyond the question's that a sentence must bring to count as an answer. */
const MIN_NEW_TERMS = 2;

/** A citation written after the full stop ("… table. [1]") belongs to the sentence before it. */
export function markersBeforeStops(text: string): string {
  return text.replace(/([.!?])((?:\s*\[\d{1,3}\])+)/g, '$2$1');
}

/** Numbers and quantities of a text ("5min", "1GB", "5432"), lower-cased. */
function quantities(text: string): string[] {
  return (text.toLowerCase().match(/\d[\d.,]*[a-z]*/g) ?? []).map((value) =>
    value.replace(/[.,]+$/, ''),
  );
}

interface Place {
  terms: Set<string>;
  text: string;
}

/** The passage as overlapping places: its title with each run of SUPPORT_WINDOW sentences. */
function placesOf(passage: Passage): Place[] {
  const sentences = splitSentences(passage.text);
  const places: Place[] = [];
  for (let start = 0; start < Math.max(1, sentences.length - SUPPORT_WINDOW + 1); start++) {
    const text = `${passage.title}\n${sentences.slice(start, start + SUPPORT_WINDOW).join(' ')}`;
    places.push({ terms: new Set(answerTerms(text)), text: text.toLowerCase() });
  }
  return places;
}

function overlap(a: Set<string>, b: Set<string>): number {
  const shared = [...a].filter((term) => b.has(term)).length;
  return shared / Math.max(1, Math.min(a.size, b.size));
}

export function groundDraft(
  draft: string,
  passages: Passage[],
  options: GroundingOptions = {},
): GroundingResult {
  const minSupport = options.minSupport ?? 0.65;
  const maxSentences = options.maxSentences ?? 4;
  const forbidden = (options.forbidden ?? []).map((text) => new Set(answerTerms(text)));
  const questionTerms = new Set(answerTerms(options.question ?? ''));
  // Only the passages on the question's subject can support a sentence: those holding as many
  // of the question's terms as the passage that holds the most. For "What does paged attention
  // do?", a BERT passage on attention holds one of the two, and a fluent sentence copied from
  // it ("It uses multi-head attention and a feed-forward network [2].") answers another question.
  const passageTerms = passages.map((passage) => new Set(answerTerms(passage.text)));
  const coverage = passageTerms.map(
    (terms) => [...questionTerms].filter((term) => terms.has(term)).length,
  );
  const mostCovered = Math.max(0, ...coverage);
  const indexed = passages
    .filter((_, index) => coverage[index]! >= mostCovered)
    .map((passage) => ({
      passage,
      places: placesOf(passage),
      negations: negationsIn(passage.text),
    }));
  const kept: (GroundedSentence & { terms: Set<string> })[] = [];
  let dropped = 0;
  for (const raw of splitSentences(markersBeforeStops(draft))) {
    const text = plainSentence(raw.replace(MARKER, '')).replace(/\s+([.,;:!?])/g, '$1');
    const terms = new Set(answerTerms(text));
    // A sentence cut off by the token limit ends without punctuation: it is not a claim; a
    // question is not an answer. One that repeats a kept sentence, the question or the
    // instructions adds nothing.
    if (
      !/[.!)"'`]$/.test(text) ||
      terms.size < 2 ||
      [...terms].filter((term) => !questionTerms.has(term)).length < MIN_NEW_TERMS ||
      kept.some((other) => overlap(terms, other.terms) >= REPEAT_OVERLAP) ||
      forbidden.some((instructions) => supportBy(text, instructions) >= 0.6)
    ) {
      dropped++;
      continue;
    }
    const numbers = quantities(text);
    let best: { n: number; support: number } | undefined;
    for (const entry of indexed) {
      const extraNegation = [...negationsIn(text)].some((word) => !entry.negations.has(word));
      if (extraNegation) continue;
      for (const place of entry.places) {
        // A number the place does not state ("2min" where the manual says 5min) is invented.
        if (numbers.some((number) => !place.text.includes(number))) continue;
        const support = supportBy(text, place.terms);
        if (!best || support > best.support) best = { n: entry.passage.n, support };
      }
    }
    if (!best || best.support < minSupport || kept.length >= maxSentences) {
      dropped++;
      continue;
    }
    kept.push({ text, n: best.n, support: best.support, terms });
  }
  return {
    sentences: kept.map(({ terms: _terms, ...sentence }) => sentence),
    dropped,
    answer: kept
      .map((sentence) => `${sentence.text.replace(/[.!?]$/, '')} [${sentence.n}].`)
      .join(' '),
    citations: [...new Set(kept.map((sentence) => sentence.n))],
  };
}
