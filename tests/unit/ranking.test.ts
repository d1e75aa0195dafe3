import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bm25Index } from '../../domain/ranking/bm25.js';
import { VectorMatrix, cosineSimilarity, l2Normalize } from '../../domain/ranking/cosine.js';
import { reciprocalRankFusion } from '../../domain/ranking/reciprocal-rank-fusion.js';
import { isEmptyFilter, matchesFilters } from '../../domain/ranking/search-filters.js';
import { textTerms } from '../../domain/ranking/text-terms.js';
import { topK } from '../../domain/ranking/top-k.js';

describe('textTerms', () => {
  it('lowercases, splits on Unicode word boundaries, keeps snake_case, drops stop words', () => {
    assert.deepEqual(textTerms('The WAL of PostgreSQL: max_wal_size is 1GB; Ünïcode café!'), [
      'wal',
      'postgresql',
      'max_wal_size',
      '1gb',
      'ünïcode',
      'café',
    ]);
    assert.deepEqual(
      textTerms('ｆｕｌｌ width'),
      ['full', 'width'],
      'NFKC folds full-width letters',
    );
    assert.deepEqual(textTerms(''), []);
  });
});

describe('BM25', () => {
  const texts = [
    'vacuum reclaims storage occupied by dead tuples',
    'the write ahead log guarantees durability',
    'vacuum vacuum vacuum vacuum a very long text about many other things entirely unrelated words here',
    'indexes speed up queries; a btree index is the default',
    'autovacuum launches vacuum automatically',
  ];
  const index = new Bm25Index(texts);

  it('ranks documents containing the query terms, rare terms weighing more', () => {
    const results = index.search('vacuum dead tuples', 5);
    assert.equal(results[0]?.index, 0, 'the one with all three terms wins');
    assert.deepEqual(
      new Set(results.map((result) => result.index)),
      new Set([0, 2, 4]),
      'only documents sharing a term',
    );
    assert.ok(index.idf('durability') > index.idf('vacuum'));
  });

  it('saturates term frequency and normalizes length', () => {
    const scores = index.scores('vacuum');
    // Document 2 says "vacuum" 4 times but is long; it must not score 4x document 4.
    assert.ok((scores[2] as number) < 2 * (scores[4] as number));
    assert.ok((scores[4] as number) > 0);
  });

  it('matches a hand-computed score', () => {
    const small = new Bm25Index(['apple banana', 'apple']);
    // idf(apple) = ln(1 + (2 - 2 + 0.5) / (2 + 0.5)); avgdl = 1.5
    const idf = Math.log(1 + 0.5 / 2.5);
    const expected = (idf * (1 * 2.2)) / (1 + 1.2 * (1 - 0.75 + (0.75 * 2) / 1.5));
    assert.ok(Math.abs((small.scores('apple')[0] as number) - expected) < 1e-9);
  });

  it('returns nothing for unknown or stop-word-only queries and honours the filter', () => {
    assert.deepEqual(index.search('zebra', 5), []);
    assert.deepEqual(index.search('the of and', 5), []);
    const filtered = index.search('vacuum', 5, (document) => document !== 0 && document !== 4);
    assert.deepEqual(
      filtered.map((result) => result.index),
      [2],
    );
    assert.deepEqual(new Bm25Index([]).search('vacuum', 3), []);
  });
});

describe('cosine', () => {
  it('computes cosine similarity and normalizes', () => {
    const a = Float32Array.from([1, 0, 0]);
    const b = Float32Array.from([1, 1, 0]);
    assert.ok(Math.abs(cosineSimilarity(a, b) - Math.SQRT1_2) < 1e-6);
    assert.equal(cosineSimilarity(a, new Float32Array(3)), 0);
    const normalized = l2Normalize(Float32Array.from([3, 4]));
    assert.ok(Math.abs((normalized[0] as number) - 0.6) < 1e-6);
    assert.throws(() => cosineSimilarity(a, Float32Array.from([1])), /lengths differ/);
  });

  it('VectorMatrix finds the nearest rows exactly, best first, and checks dimensions', () => {
    const vectors = [
      [1, 0, 0],
      [0.9, 0.1, 0],
      [0, 1, 0],
      [0, 0, 5],
      [-1, 0, 0],
    ].map((row) => Float32Array.from(row));
    const matrix = new VectorMatrix(3, vectors);
    const results = matrix.search(Float32Array.from([2, 0, 0]), 3);
    assert.deepEqual(
      results.map((result) => result.index),
      [0, 1, 2].slice(0, 2).concat([results[2]?.index ?? -1]),
    );
    assert.ok(Math.abs((results[0]?.score ?? 0) - 1) < 1e-6);
    assert.ok((results[2]?.score ?? 1) === 0, 'orthogonal rows score 0');
    assert.equal(matrix.search(Float32Array.from([-1, 0, 0]), 1)[0]?.index, 4);
    assert.deepEqual(
      matrix.search(Float32Array.from([1, 0, 0]), 2, (row) => row >= 2).map((r) => r.index).length,
      2,
    );
    assert.throws(() => matrix.search(Float32Array.from([1, 0]), 1), /dimensions/);
    assert.throws(() => new VectorMatrix(2, [Float32Array.from([1, 2, 3])]), /dimensions/);
  });
});

describe('topK', () => {
  it('equals a full sort for random scores, with ties broken by index', () => {
    const scores = Float64Array.from({ length: 1000 }, (_, index) => ((index * 7919) % 101) / 7);
    const expected = [...scores.entries()]
      .map(([index, score]) => ({ index, score }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, 25);
    assert.deepEqual(topK(scores, 25), expected);
    assert.deepEqual(topK(scores, 0), []);
    assert.equal(topK(Float64Array.from([1, 2]), 10).length, 2);
  });
});

describe('reciprocal rank fusion', () => {
  it('adds 1/(60 + rank) per list and prefers items ranked well by both', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'c', 'd'],
    ]);
    assert.deepEqual(
      fused.map((item) => item.id),
      ['b', 'c', 'a', 'd'],
    );
    assert.ok(Math.abs((fused[0]?.score ?? 0) - (1 / 62 + 1 / 61)) < 1e-12);
    assert.ok(Math.abs((fused.find((item) => item.id === 'a')?.score ?? 0) - 1 / 61) < 1e-12);
    assert.ok(Math.abs((fused.find((item) => item.id === 'd')?.score ?? 0) - 1 / 63) < 1e-12);
    assert.deepEqual(reciprocalRankFusion([]), []);
    const weighted = reciprocalRankFusion([['a'], ['b']], { weights: [1, 2] });
    assert.equal(weighted[0]?.id, 'b');
  });
});

describe('search filters', () => {
  const chunk = {
    documentId: 'd1',
    url: 'https://docs.example/wal.html',
    headingPath: ['Server', 'WAL'],
  };
  it('applies document ids, URL prefix and heading path prefix together', () => {
    assert.ok(matchesFilters(chunk, undefined));
    assert.ok(matchesFilters(chunk, { documentIds: ['d1', 'd2'] }));
    assert.ok(!matchesFilters(chunk, { documentIds: [] }));
    assert.ok(matchesFilters(chunk, { urlPrefix: 'https://docs.example/' }));
    assert.ok(!matchesFilters(chunk, { urlPrefix: 'https://other/' }));
    assert.ok(matchesFilters(chunk, { headingPath: ['server'] }));
    assert.ok(!matchesFilters(chunk, { headingPath: ['Server', 'WAL', 'More'] }));
    assert.ok(!matchesFilters(chunk, { documentIds: ['d1'], urlPrefix: 'x' }));
    assert.ok(isEmptyFilter({}));
    assert.ok(!isEmptyFilter({ documentIds: [] }));
  });
});
