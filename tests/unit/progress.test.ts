import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeProgress } from '../../domain/progress.js';

describe('progress normalization', () => {
  it('accepts the list form', () => {
    assert.deepEqual(
      normalizeProgress({ stages: [{ stage: 'crawl', done: 3, failed: 1, pending: 6 }] }),
      {
        stages: [{ stage: 'crawl', done: 3, failed: 1, pending: 6, total: 10 }],
      },
    );
  });

  it('accepts the map form, with or without a stages key, keeping an explicit total', () => {
    const expected = { stages: [{ stage: 'embed', done: 2, failed: 0, pending: 0, total: 8 }] };
    assert.deepEqual(normalizeProgress({ embed: { done: 2, total: 8 } }), expected);
    assert.deepEqual(normalizeProgress({ stages: { embed: { done: 2, total: 8 } } }), expected);
  });

  it('ignores junk instead of failing the display', () => {
    assert.deepEqual(normalizeProgress(null), { stages: [] });
    assert.deepEqual(normalizeProgress({ stages: [null, 3, { stage: 5 }] }), { stages: [] });
    assert.deepEqual(normalizeProgress({ crawl: { done: -1, failed: 'x' } }), {
      stages: [{ stage: 'crawl', done: 0, failed: 0, pending: 0, total: 0 }],
    });
  });
});
