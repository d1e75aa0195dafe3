// ROUGE-1, ROUGE-2 and ROUGE-L as Google's rouge-score package computes them (its defaults:
// no stemming; lowercase; every run of characters other than [a-z0-9] separates tokens), so
// the numbers compare with published ones. Pure: the evaluation activity feeds it summaries.

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export interface RougeScores {
  rouge1: RougeScore;
  rouge2: RougeScore;
  rougeL: RougeScore;
}

export const ROUGE_TYPES = ['rouge1', 'rouge2', 'rougeL'] as const;

/** rouge-score's default tokenizer (tokenize.py without the stemmer). */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((token) => token !== '');
}

function score(matches: number, predictionTotal: number, targetTotal: number): RougeScore {
  const precision = predictionTotal > 0 ? matches / predictionTotal : 0;
  const recall = targetTotal > 0 ? matches / targetTotal : 0;
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fmeasure };
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let start = 0; start + n <= tokens.length; start++) {
    const gram = tokens.slice(start, start + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

function rougeN(target: readonly string[], prediction: readonly string[], n: number): RougeScore {
  const targetGrams = ngramCounts(target, n);
  const predictionGrams = ngramCounts(prediction, n);
  let matches = 0;
  for (const [gram, count] of targetGrams)
    matches += Math.min(count, predictionGrams.get(gram) ?? 0);
  const total = (grams: Map<string, number>) =>
    [...grams.values()].reduce((sum, count) => sum + count, 0);
  return score(matches, total(predictionGrams), total(targetGrams));
}

/** Length of the longest common subsequence, in O(n·m) time and O(m) memory. */
export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] =
        a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Scores one prediction against its reference (rouge_scorer.RougeScorer.score(target, prediction)). */
export function rougeScores(target: string, prediction: string): RougeScores {
  const targetTokens = rougeTokens(target);
  const predictionTokens = rougeTokens(prediction);
  return {
    rouge1: rougeN(targetTokens, predictionTokens, 1),
    rouge2: rougeN(targetTokens, predictionTokens, 2),
    rougeL: score(
      longestCommonSubsequence(targetTokens, predictionTokens),
      predictionTokens.length,
      targetTokens.length,
    ),
  };
}

/** The mean of each score over a set of pairs (all zeros for an empty set). */
export function meanRougeScores(scores: readonly RougeScores[]): RougeScores {
  const mean = (type: (typeof ROUGE_TYPES)[number], field: keyof RougeScore) =>
    scores.length === 0
      ? 0
      : scores.reduce((sum, item) => sum + item[type][field], 0) / scores.length;
  const of = (type: (typeof ROUGE_TYPES)[number]): RougeScore => ({
    precision: mean(type, 'precision'),
    recall: mean(type, 'recall'),
    fmeasure: mean(type, 'fmeasure'),
  });
  return { rouge1: of('rouge1'), rouge2: of('rouge2'), rougeL: of('rougeL') };
}
