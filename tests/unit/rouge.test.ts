import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  longestCommonSubsequence,
  meanRougeScores,
  rougeScores,
  rougeTokens,
} from '../../domain/rouge.js';

function close(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${label}: ${actual} != ${expected}`);
}

describe('ROUGE as Google rouge-score computes it', () => {
  it("matches rouge-score's README example (score(target, prediction))", () => {
    // rouge_scorer.RougeScorer(['rouge1', 'rougeL']).score(
    //   'The quick brown fox jumps over the lazy dog', 'The quick brown dog jumps on the log.')
    // -> rouge1 (0.75, 0.6666666666666666, 0.7058823529411765), rougeL (0.625, 0.5555555555555556, 0.5882352941176471)
    const scores = rougeScores(
      'The quick brown fox jumps over the lazy dog',
      'The quick brown dog jumps on the log.',
    );
    close(scores.rouge1.precision, 0.75, 'rouge1 P');
    close(scores.rouge1.recall, 0.6666666666666666, 'rouge1 R');
    close(scores.rouge1.fmeasure, 0.7058823529411765, 'rouge1 F');
    close(scores.rougeL.precision, 0.625, 'rougeL P');
    close(scores.rougeL.recall, 0.5555555555555556, 'rougeL R');
    close(scores.rougeL.fmeasure, 0.5882352941176471, 'rougeL F');
    // By hand: 2 shared bigrams (the quick, quick brown) of 7 predicted and 8 reference ones.
    close(scores.rouge2.precision, 2 / 7, 'rouge2 P');
    close(scores.rouge2.recall, 2 / 8, 'rouge2 R');
    close(scores.rouge2.fmeasure, (2 * (2 / 7) * (2 / 8)) / (2 / 7 + 2 / 8), 'rouge2 F');
  });

  it('tokenizes like rouge-score: lowercase, non-alphanumerics separate, Markdown ignored', () => {
    assert.deepEqual(rougeTokens("## TL;DR: Temporal's *durable* workflows (v1.24)!"), [
      'tl',
      'dr',
      'temporal',
      's',
      'durable',
      'workflows',
      'v1',
      '24',
    ]);
    assert.deepEqual(rougeTokens('Ça marche — café'), ['a', 'marche', 'caf']);
  });

  it('clips repeated n-grams to the reference count', () => {
    // Prediction "the the the the" against "the cat": 1 match of 4 predicted, of 2 reference.
    const scores = rougeScores('the cat', 'the the the the');
    close(scores.rouge1.precision, 0.25, 'P');
    close(scores.rouge1.recall, 0.5, 'R');
    close(scores.rouge2.fmeasure, 0, 'no shared bigram');
  });

  it('gives 1 for identical texts and 0 for empty or disjoint ones', () => {
    const same = rougeScores(
      'Durable workflows retry activities.',
      'durable workflows retry activities',
    );
    for (const type of ['rouge1', 'rouge2', 'rougeL'] as const) close(same[type].fmeasure, 1, type);
    for (const [target, prediction] of [
      ['', 'anything'],
      ['anything', ''],
      ['alpha beta', 'gamma delta'],
    ] as const) {
      const scores = rougeScores(target, prediction);
      for (const type of ['rouge1', 'rouge2', 'rougeL'] as const)
        close(scores[type].fmeasure, 0, `${type} of ${target}/${prediction}`);
    }
  });

  it('finds the longest common subsequence, not substring', () => {
    assert.equal(longestCommonSubsequence(['a', 'b', 'c', 'd', 'e'], ['a', 'x', 'c', 'y', 'e']), 3);
    assert.equal(longestCommonSubsequence(['a', 'b'], []), 0);
  });

  it('averages each score over pairs', () => {
    const mean = meanRougeScores([rougeScores('a b', 'a b'), rougeScores('a b', 'c d')]);
    close(mean.rouge1.fmeasure, 0.5, 'mean rouge1');
    close(meanRougeScores([]).rougeL.fmeasure, 0, 'empty set');
  });
});
