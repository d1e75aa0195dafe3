// Whether retrieval found anything about the question. Search always returns its best k, even
// for a question the knowledge base knows nothing of, and ranking scores (RRF, BM25) are not
// comparable across queries; so the test is on the passages themselves: the share of the
// question's meaning-bearing terms that stand together in one place of one passage (its title
// plus a few consecutive sentences). Together matters: "feature" in one paragraph and
// "pipeline" in another do not make a passage about feature pipelines.
import { answerTerms } from './answer-terms.js';
import type { Passage } from './passage.js';
import { splitSentences } from './sentences.js';

/** Share of the question's terms one place must hold for the question to count as covered. */
export const DEFAULT_MIN_COVERAGE = 0.6;
/** Consecutive sentences that count as one place. */
const WINDOW_SENTENCES = 3;

export interface Relevance {
  relevant: boolean;
  /** The best place's share of the question's terms (0-1), names counting double. */
  coverage: number;
  /** Question terms found in no passage: what the knowledge base seems to lack. */
  missingTerms: string[];
  /** The passages in retrieval order, less those that hold none of the question's terms. */
  passages: Passage[];
}

/**
 * A name (FTI, MongoDB, VACUUM) says more about what a question is about than an ordinary word:
 * it counts this many times in the coverage. "What is the FTI architecture?" is covered by a
 * passage on "the feature/training/inference (FTI) pattern", where the ordinary word
 * "architecture" is missing but the name is not (2 of 3, not 1 of 2).
 */
const NAME_WEIGHT = 2;

function bestWindowCoverage(
  terms: string[],
  weights: Map<string, number>,
  passage: Passage,
): { coverage: number; found: Set<string> } {
  const title = new Set(answerTerms(passage.title));
  const sentences = splitSentences(passage.text).map((sentence) => new Set(answerTerms(sentence)));
  const weightOf = (term: string) => weights.get(term) ?? 1;
  const total = terms.reduce((sum, term) => sum + weightOf(term), 0);
  const found = new Set<string>();
  let best = 0;
  for (let start = 0; start < Math.max(1, sentences.length - WINDOW_SENTENCES + 1); start++) {
    const window = sentences.slice(start, start + WINDOW_SENTENCES);
    const present = terms.filter(
      (term) => title.has(term) || window.some((sentence) => sentence.has(term)),
    );
    for (const term of present) found.add(term);
    best = Math.max(best, present.reduce((sum, term) => sum + weightOf(term), 0) / total);
  }
  return { coverage: best, found };
}

/**
 * Names in the question (a word of two letters or more with a capital, after its first word:
 * MongoDB, Redis, InnoDB, VACUUM): when a name stands in none of the passages, they are about
 * something else, however many ordinary words they share ("the default port of MongoDB"
 * against PostgreSQL's manual).
 */
export function questionNames(question: string): string[] {
  const names = new Set<string>();
  // A sentence's first word is capitalized whatever it is: only later words can be names.
  for (const sentence of question.split(/[.?!:;]\s+/)) {
    const words = sentence.match(/[\p{L}\p{N}_][\p{L}\p{N}_+#-]*/gu) ?? [];
    for (const word of words.slice(1))
      if (word.length > 1 && /\p{Lu}/u.test(word))
        names.add(word.toLowerCase().replace(/[+#-]+$/, ''));
  }
  return [...names];
}

export function judgeRelevance(
  question: string,
  passages: Passage[],
  minCoverage = DEFAULT_MIN_COVERAGE,
): Relevance {
  const terms = [...new Set(answerTerms(question))];
  if (terms.length === 0)
    return {
      relevant: passages.length > 0,
      coverage: passages.length > 0 ? 1 : 0,
      missingTerms: [],
      passages,
    };
  const names = questionNames(question);
  const weights = new Map(names.map((name) => [name, NAME_WEIGHT]));
  const scored = passages.map((passage) => ({
    passage,
    ...bestWindowCoverage(terms, weights, passage),
  }));
  const foundAnywhere = new Set(scored.flatMap((entry) => [...entry.found]));
  const best = scored.reduce((max, entry) => Math.max(max, entry.coverage), 0);
  const text = passages
    .map((passage) => `${passage.title}\n${passage.text}`.toLowerCase())
    .join('\n');
  const missingName = names.some((name) => !text.includes(name));
  return {
    relevant: best >= minCoverage && !missingName,
    coverage: best,
    missingTerms: terms.filter((term) => !foundAnywhere.has(term)),
    // Retrieval order stays: it already weighs rare terms and meaning.
    passages: scored.filter((entry) => entry.found.size > 0).map((entry) => entry.passage),
  };
}
