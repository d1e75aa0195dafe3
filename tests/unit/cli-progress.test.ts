import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressCounts } from '../../clients/cli/progress.js';

describe('CLI progress from a workflow progress query', () => {
  it('reads the ETL progress shape (done + failed of total)', () => {
    assert.deepEqual(
      progressCounts({
        stage: 'crawling',
        crawl: { done: 10, failed: 2, pending: 88, total: 100 },
        batches: { done: 1, total: 10 },
        scoring: { heuristic: 3, llm: 0, pending: 0 },
      }),
      { stage: 'crawling', done: 12, failed: 2, total: 100 },
    );
  });

  it('ignores answers without counts', () => {
    assert.equal(progressCounts(undefined), undefined);
    assert.equal(progressCounts({ stage: 'x' }), undefined);
  });
});
