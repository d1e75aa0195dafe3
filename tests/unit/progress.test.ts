import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activityProgressOf,
  normalizeProgress,
  withActivityProgress,
} from '../../domain/progress.js';

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

describe("running activities in a workflow's progress", () => {
  const etlProgress = {
    stage: 'crawling',
    crawl: { done: 200, failed: 4, pending: 596, total: 800 },
    batches: { done: 1, total: 4 },
  };

  it("adds the running batches' pages to the crawl stage and takes them from pending", () => {
    const merged = withActivityProgress(etlProgress, [
      { stage: 'crawl', done: 57, failed: 1 },
      { stage: 'crawl', done: 30, failed: 0 },
    ]);
    assert.deepEqual(merged, {
      stage: 'crawling',
      crawl: { done: 287, failed: 5, pending: 508, total: 800 },
      batches: { done: 1, total: 4 },
    });
    // The bar the CLI draws from it: 292 of 800 handled, not the 204 of completed batches.
    const crawl = normalizeProgress(merged).stages.find((stage) => stage.stage === 'crawl')!;
    assert.equal(crawl.done + crawl.failed, 292);
    assert.equal(crawl.total, 800);
    // The workflow's own answer is left as it was.
    assert.equal(etlProgress.crawl.done, 200);
  });

  it('never makes pending negative and ignores stages the workflow does not report', () => {
    const merged = withActivityProgress({ crawl: { done: 0, failed: 0, pending: 3, total: 3 } }, [
      { stage: 'crawl', done: 5, failed: 0 },
      { stage: 'embed', done: 9, failed: 0 },
    ]) as Record<string, unknown>;
    assert.deepEqual(merged, { crawl: { done: 5, failed: 0, pending: 0, total: 3 } });
  });

  it('reads `progress` from heartbeat details and refuses anything else', () => {
    assert.deepEqual(
      activityProgressOf({ progress: { stage: 'crawl', done: 3, failed: 1 }, outcomes: [] }),
      { stage: 'crawl', done: 3, failed: 1 },
    );
    assert.equal(activityProgressOf({ outcomes: [] }), undefined);
    assert.equal(
      activityProgressOf({ progress: { stage: 'crawl', done: -1, failed: 0 } }),
      undefined,
    );
    assert.equal(activityProgressOf(undefined), undefined);
    assert.equal(activityProgressOf('junk'), undefined);
  });
});
