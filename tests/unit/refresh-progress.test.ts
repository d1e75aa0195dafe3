import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RateMeter,
  formatDuration,
  renderRefreshProgress,
  summarizeRefreshFailures,
  type RefreshSnapshot,
} from '../../domain/refresh-progress.js';

const refreshStages = (collect: number, etl: number, rag: number) => ({
  stages: [
    { stage: 'collect', done: collect, failed: 0, pending: 1 - collect, total: 1 },
    { stage: 'etl', done: etl, failed: 0, pending: 1 - etl, total: 1 },
    { stage: 'rag', done: rag, failed: 0, pending: 1 - rag, total: 1 },
  ],
});

describe('refresh progress lines', () => {
  it('shows links crawled / failed / total with a rate and an ETA from the ETL query', () => {
    const meters = new Map<string, RateMeter>();
    const snapshot = (done: number, failed: number): RefreshSnapshot => ({
      refresh: refreshStages(1, 0, 0),
      etl: {
        stage: 'crawling',
        crawl: { done, failed, pending: 130 - done - failed, total: 130 },
        batches: { done: 0, total: 2 },
        scoring: { heuristic: done, llm: 0, pending: 0 },
      },
    });
    renderRefreshProgress(snapshot(0, 0), 0, meters);
    const lines = renderRefreshProgress(snapshot(20, 10), 10_000, meters);
    const crawl = lines.find((line) => line.includes('links crawled'))!;
    // 30 links in 10 s: 3.0/s, and 100 to go: 33 s.
    assert.match(crawl, /30\/130 +20 crawled, 10 failed of 130 \| 3\.0\/s, ETA 0:33$/);
    assert.match(crawl, /█{6}░{18}/);
    assert.equal(lines.length, 4, 'one line per stage: pages, links, scores, chunks');
    assert.match(
      lines.find((line) => line.includes('documents scored'))!,
      /20 by heuristic/,
    );
  });

  it('shows chunks embedded from the RAG query and marks finished lines done', () => {
    const lines = renderRefreshProgress(
      {
        refresh: refreshStages(1, 1, 0),
        rag: {
          stages: [
            { stage: 'chunk, contextualize, embed', done: 3, failed: 0, pending: 0, total: 3 },
            { stage: 'chunks embedded', done: 214, failed: 0, pending: 0 },
          ],
        },
      },
      0,
      new Map(),
    );
    assert.match(lines.at(-1)!, /chunks embedded .* 3\/3 +214 chunks, batch 3\/3 \| done$/);
  });

  it('a rate meter starts over when the count goes back (a new stage run)', () => {
    const meter = new RateMeter();
    meter.record(0, 50);
    meter.record(2_000, 60);
    assert.equal(meter.rate(), 5);
    meter.record(3_000, 0);
    assert.equal(meter.rate(), undefined);
    assert.equal(formatDuration(3_725), '1:02:05');
  });

  it('summarizes failures by reason and points to the failure report', () => {
    const lines = summarizeRefreshFailures({
      stages: [
        { stage: 'collect', status: 'skipped', note: 'Collection skipped: NOTION_TOKEN not set' },
        {
          stage: 'etl',
          status: 'completed',
          result: {
            crawled: 12,
            stored: 19,
            failedByReason: { 'network-error': 118, 'http-error': 2 },
            failureReportKey: 'runs/etl/r1/failure-report.json',
          },
        },
        {
          stage: 'rag',
          status: 'completed',
          result: { chunkCount: 300, embedded: 280, documents: { failed: [] } },
        },
      ],
    });
    assert.deepEqual(lines, [
      'collect: Collection skipped: NOTION_TOKEN not set',
      '120 link(s) or document(s) failed: 118 network-error, 2 http-error; see runs/etl/r1/failure-report.json',
      'ETL: 12 pages crawled, 19 documents stored',
      'RAG: 300 chunks in the index (280 embedded now)',
    ]);
  });
});
