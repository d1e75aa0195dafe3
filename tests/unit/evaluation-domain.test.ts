import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  aggregateScores,
  cleanQuestion,
  compareRuns,
  evaluationDatasetVersion,
  METRIC_NAMES,
  recallAtK,
  reciprocalRank,
  sampleChunks,
  summaryDensityHeuristic,
  type ItemScores,
} from '../../domain/evaluation.js';
import { comparisonChartSvg, comparisonRows } from '../../domain/evaluation-report.js';
import {
  estimateCostUsd,
  runTimestamp,
  stableUuidV7,
  summarizeSpans,
  uuidV7Time,
} from '../../domain/tracing.js';
import {
  boundedVerdictSchema,
  clampVerdict,
} from '../../integrations/evaluation/chat-model-judge.js';

const scores = (value: number | null): ItemScores =>
  Object.fromEntries(
    METRIC_NAMES.map((name) => [name, value === null ? null : { value, reason: '' }]),
  ) as ItemScores;

describe('evaluation metrics without a model', () => {
  it('summary density: 1 inside 128-1024 characters, linear outside, never below 0', () => {
    assert.equal(summaryDensityHeuristic('x'.repeat(500)).value, 1);
    assert.equal(summaryDensityHeuristic('x'.repeat(128)).value, 1);
    assert.equal(summaryDensityHeuristic('x'.repeat(64)).value, 0.5);
    assert.equal(summaryDensityHeuristic('x'.repeat(1536)).value, 0.5);
    assert.equal(summaryDensityHeuristic('x'.repeat(5000)).value, 0);
    assert.equal(summaryDensityHeuristic('').value, 0);
  });

  it('recall@k and MRR over distinct documents in rank order', () => {
    const retrieved = ['a', 'a', 'b', 'c', 'd'];
    assert.equal(recallAtK(retrieved, ['c'], 3), 1);
    assert.equal(recallAtK(retrieved, ['d'], 3), 0);
    assert.equal(recallAtK(retrieved, ['b', 'z'], 5), 0.5);
    assert.equal(reciprocalRank(retrieved, ['c']), 1 / 3);
    assert.equal(reciprocalRank(retrieved, ['z']), 0);
    assert.equal(recallAtK(retrieved, [], 5), undefined, 'unlabeled: no retrieval metric');
    assert.equal(reciprocalRank(retrieved, []), undefined);
  });

  it('aggregates means over computed values and compares by each metric direction', () => {
    const current = aggregateScores([scores(0.5), scores(1), scores(null)]);
    assert.deepEqual(current.answer_relevance, { mean: 0.75, count: 2 });
    const previous = aggregateScores([scores(0.25)]);
    const rows = compareRuns(current, previous);
    const byMetric = Object.fromEntries(rows.map((row) => [row.metric, row]));
    assert.equal(byMetric.answer_relevance?.delta, 0.5);
    assert.equal(byMetric.answer_relevance?.verdict, 'better');
    assert.equal(byMetric.hallucination?.verdict, 'worse', 'more hallucination is worse');
    assert.equal(compareRuns(current, undefined)[0]?.verdict, null);
    const table = comparisonRows(rows);
    assert.deepEqual(table[0], ['Metric', 'Previous', 'Current', 'Change']);
    assert.deepEqual(table[1], ['Hallucination (Opik)', '0.250', '0.750', '+0.500 (worse)']);
    const svg = comparisonChartSvg(rows);
    assert.match(svg, /^<svg /);
    // Two bars (previous, current) for each of the ten metrics.
    assert.equal(svg.match(/<rect [^>]*><title>/g)?.length, 20);
  });

  it('dataset versions derive from the items; samples are deterministic and spread', () => {
    const items = [{ id: 'q-1', question: 'Why?', sourceDocumentIds: ['b', 'a'] }];
    assert.equal(
      evaluationDatasetVersion(items),
      evaluationDatasetVersion([{ id: 'q-1', question: 'Why?', sourceDocumentIds: ['a', 'b'] }]),
    );
    assert.notEqual(
      evaluationDatasetVersion(items),
      evaluationDatasetVersion([{ ...items[0]!, question: 'How?' }]),
    );
    const chunks = ['a', 'a', 'a', 'b', 'c'].map((documentId, index) => ({
      chunkId: `chunk-${index}`,
      documentId,
    }));
    const sample = sampleChunks(chunks, 3, 42);
    assert.deepEqual(sample, sampleChunks(chunks, 3, 42));
    assert.deepEqual(new Set(sample.map((chunk) => chunk.documentId)), new Set(['a', 'b', 'c']));
    assert.equal(sampleChunks(chunks, 10, 1).length, 5);
    assert.equal(cleanQuestion('  How often do I feed it. '), 'How often do I feed it?');
    assert.equal(cleanQuestion('Why'), undefined);
    assert.equal(
      cleanQuestion('What was popular in 2023? 2022: What was popular in 2022?'),
      'What was popular in 2023?',
    );
    assert.equal(
      cleanQuestion('What is the origin of the AI-powered AI-powered AI-powered AI-powered thing?'),
      undefined,
    );
  });
});

describe('trace ids and costs', () => {
  it('stable v7 UUIDs carry the given time and depend only on the key', () => {
    const id = stableUuidV7('turn:abc', 1_750_000_000_000);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(uuidV7Time(id), 1_750_000_000_000);
    assert.equal(id, stableUuidV7('turn:abc', 1_750_000_000_000));
    assert.notEqual(id, stableUuidV7('turn:abd', 1_750_000_000_000));
    assert.equal(runTimestamp('01a20f61-d971-760b-b704-802b999b4789'), 0x01a20f61d971);
    assert.equal(
      runTimestamp('d30c4297-a8f2-4e95-b657-8a9d3c357e84'),
      runTimestamp('d30c4297-a8f2-4e95-b657-8a9d3c357e84'),
    );
  });

  it('estimates costs for known hosted models, 0 locally, undefined otherwise', () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000 };
    assert.equal(estimateCostUsd('local', 'SmolLM2', usage), 0);
    assert.equal(estimateCostUsd('openai', 'gpt-4o-mini', usage), 0.75);
    assert.equal(estimateCostUsd('openai', 'gpt-4o-mini-2024-07-18', usage), 0.75);
    assert.equal(estimateCostUsd('openai', 'gpt-4o', usage), 12.5);
    assert.equal(
      estimateCostUsd('huggingface', 'meta-llama/Llama-3.1-8B-Instruct', usage),
      undefined,
    );
    const origin = {
      workflowId: 'w',
      workflowType: 't',
      runId: 'r',
      activityId: '1',
      activityType: 'a',
      attempt: 1,
    };
    const span = (costUsd: number | undefined, start: number) => ({
      spanId: String(start),
      traceId: 't',
      parentSpanId: null,
      name: 'chat',
      kind: 'llm' as const,
      startTime: new Date(start),
      endTime: new Date(start + 10),
      durationMs: 10,
      usage: { promptTokens: 2, completionTokens: 1, totalTokens: 3 },
      costUsd,
      origin,
    });
    assert.deepEqual(summarizeSpans([span(0.5, 0), span(0.25, 100)]), {
      spans: 2,
      llmCalls: 2,
      promptTokens: 4,
      completionTokens: 2,
      costUsd: 0.75,
      durationMs: 110,
    });
    assert.equal(summarizeSpans([span(0.5, 0), span(undefined, 5)]).costUsd, null);
  });
});

describe('the Opik judge adapter', () => {
  it('bounds explanations and clamps scores so a small model always gives a verdict', () => {
    const opikSchema = z.object({
      score: z.number(),
      reason: z.union([z.string(), z.array(z.string())]),
    });
    const bounded = boundedVerdictSchema(opikSchema);
    assert.equal(bounded.safeParse({ score: 0.5, reason: 'x'.repeat(301) }).success, false);
    assert.equal(bounded.safeParse({ score: 0.5, reason: 'fine' }).success, true);
    assert.deepEqual(clampVerdict({ answer_relevance_score: 7, reason: 'r' }), {
      answer_relevance_score: 1,
      reason: 'r',
    });
    assert.deepEqual(clampVerdict({ score: -0.2 }), { score: 0 });
  });
});
