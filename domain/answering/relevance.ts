// Whether retrieval found anything about the question. Search always returns its best k, even
// for a question the knowledge base knows nothing of, and ranking scores (RRF, BM25) are not
// comparable across queries; so the test is on the passages themselves: the share of the
// question's meaning-bearing terms that the best passage (title included) contains.
import { answerTerms } from './answer-terms.js';
import type { Passage } from './passage.js';

/** Share of the question's terms one passage must hold for the question to count as covered. */
export const DEFAULT_MIN_COVERAGE = 0.5;

export interface Relevance {
  relevant: boolean;
  /** The best passage's share of the question's terms (0-1). */
  coverage: number;
  /** Question terms found in no passage: what the knowledge base seems to lack. */
  missingTerms: string[];
  /** The passages in retrieval order, less those that hold none of the question's terms. */
  passages: Passage[];
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
  const scored = passages.map((passage) => {
    const present = new Set(answerTerms(`${passage.title}\n${passage.text}`));
    const found = terms.filter((term) => present.has(term));
    return { passage, found, coverage: found.length / terms.length };
  });
  const foundAnywhere = new Set(scored.flatMap((entry) => entry.found));
  const best = scored.reduce((max, entry) => Math.max(max, entry.coverage), 0);
  return {
    relevant: best >= minCoverage,
    coverage: best,
    missingTerms: terms.filter((term) => !foundAnywhere.has(term)),
    // Retrieval order stays: it already weighs rare terms and meaning.
    passages: scored.filter((entry) => entry.found.length > 0).map((entry) => entry.passage),
  };
}
