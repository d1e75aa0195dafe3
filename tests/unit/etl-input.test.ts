import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWorkflowInput } from '../../domain/workflow-inputs.js';
import { PIPELINES } from '../../domain/names.js';

describe('etl workflow input', () => {
  it('accepts {} with defaults: everything collected, robots.txt on, LLM scoring on', () => {
    const input = parseWorkflowInput('etl', {});
    assert.deepEqual(input.source, { kind: 'all' });
    assert.equal(input.crawl.respectRobotsTxt, true);
    assert.deepEqual(input.crawl.allowedHosts, []);
    assert.equal(input.scoring.useLlm, true);
    assert.equal(PIPELINES.etl.workflowType, 'etl');
  });

  it('accepts the README example and keeps the other defaults', () => {
    const input = parseWorkflowInput('etl', {
      crawl: { allowedHosts: ['127.0.0.1'] },
      scoring: { useLlm: false },
    });
    assert.deepEqual(input.crawl.allowedHosts, ['127.0.0.1']);
    assert.equal(input.crawl.maxConcurrency, 16);
    assert.equal(input.scoring.useLlm, false);
  });

  it('names the field of an invalid input', () => {
    assert.throws(
      () => parseWorkflowInput('etl', { source: { kind: 'collect' } }),
      /source\.runId/,
    );
    assert.throws(
      () => parseWorkflowInput('etl', { crawl: { timeoutSecs: 0 } }),
      /crawl\.timeoutSecs/,
    );
    assert.throws(
      () => parseWorkflowInput('etl', { crawl: { maxConcurency: 3 } }),
      /maxConcurency/,
    );
  });
});
