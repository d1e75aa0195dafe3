// The words that carry an answer's meaning, for checking it against its passages and for
// judging whether retrieved passages are about the question at all. BM25's analyzer
// (domain/ranking/text-terms.ts) keeps every non-function word; here question scaffolding
// ("explain", "difference") goes too, and plurals fold, so "pipelines" supports "pipeline".
import { textTerms } from '../ranking/text-terms.js';

const SCAFFOLDING = new Set(
  (
    'about also any can could describe do does doing done explain give know like list ' +
    'mean means meant me my should tell than use used uses using way ways would you your ' +
    'difference different between work works much many some such other more most very just ' +
    'not no never nor only own same so too our we us they them he she his her him one ' +
    'please thing things get got make made us let lets want need ' +
    'summarize summarise summary notes note say says said tell write wrote knowledge base ' +
    'after before often usually always sometimes again still even ever really actually ' +
    'already yet now today first last next happen happens happened go goes come comes ' +
    'see look find show shows answer question ask'
  ).split(' '),
);

/** Words whose presence flips a statement: an answer may use one only if its passage does. */
export const NEGATIONS = new Set(
  "not no never none nothing cannot can't don't doesn't isn't aren't wasn't weren't won't shouldn't mustn't without neither nor".split(
    ' ',
  ),
);

/**
 * Folds plurals and -ing / -ed / -ly endings, crudely but the same way on both sides of every
 * comparison ("adding" and "adds" both become "add"); short words and -ss endings stay.
 */
export function foldTerm(term: string): string {
  if (/\d/.test(term)) return term;
  if (term.length > 5 && term.endsWith('ing'))
    return term.slice(0, term.endsWith('ding') && term[term.length - 5] === 'd' ? -4 : -3);
  if (term.length > 4 && term.endsWith('ed') && !term.endsWith('eed'))
    return term.slice(0, term.endsWith('dded') ? -3 : -2);
  if (term.length > 4 && term.endsWith('ly')) return term.slice(0, -2);
  if (term.length > 4 && term.endsWith('ies')) return `${term.slice(0, -3)}y`;
  if (term.length > 3 && term.endsWith('s') && !term.endsWith('ss') && !term.endsWith('us'))
    return term.slice(0, -1);
  return term;
}

/** Meaning-bearing terms of a text, folded; negations are dropped (see NEGATIONS). */
export function answerTerms(text: string): string[] {
  return textTerms(text.replace(/’/g, "'"))
    .filter((term) => term.length > 1 && !SCAFFOLDING.has(term) && !NEGATIONS.has(term))
    .map(foldTerm);
}

/** The negation words a text uses (apostrophes kept, so "don't" counts). */
export function negationsIn(text: string): Set<string> {
  const words = text
    .toLowerCase()
    .replace(/’/g, "'")
    .match(/[a-z']+/g);
  return new Set((words ?? []).filter((word) => NEGATIONS.has(word)));
}
