// The analyzer BM25 uses for both documents and queries: Unicode-normalized, lowercased words
// and numbers, minus a short list of English function words. Kept deliberately light: no
// stemming, so exact technical terms (function names, flags, error codes) still match exactly.

const STOP_WORDS = new Set(
  (
    'a an and are as at be but by for from has have how i if in into is it its of on or ' +
    'that the their then there these this to was were what when where which who why will with'
  ).split(' '),
);

/** Splits on anything that is not a letter, a number or an underscore (so snake_case stays). */
const NON_WORD = /[^\p{L}\p{N}_]+/u;

export function textTerms(text: string): string[] {
  const terms: string[] = [];
  for (const raw of text.normalize('NFKC').toLowerCase().split(NON_WORD)) {
    if (raw === '' || STOP_WORDS.has(raw)) continue;
    terms.push(raw);
  }
  return terms;
}
