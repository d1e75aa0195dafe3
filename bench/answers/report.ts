// The benchmark's summary of one model and mode, and the Markdown table docs/benchmarks.md
// carries.
import type { ResolvedAgentMode } from '../../domain/answering/agent-mode.js';
import type { AnswerSummary } from '../../domain/answering/answer-metrics.js';
import type { ModelName } from './models.js';

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface RunSummary extends AnswerSummary {
  model: ModelName;
  description: string;
  mode: ResolvedAgentMode;
  /** Of answered questions: written by the model, quotes of the passages. */
  modelAnswers: number;
  extractiveAnswers: number;
  modelShare: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p50FirstTokenMs: number | null;
  p50RetrievalMs: number | null;
  p50GenerationMs: number | null;
  /** Mean of the per-question times, to say where the time goes. */
  meanRetrievalMs: number;
  meanGenerationMs: number;
  meanPromptTokens: number;
  meanCompletionTokens: number;
}

export function table(summaries: RunSummary[]): string {
  const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
  const seconds = (value: number | null) => (value === null ? 'n/a' : (value / 1000).toFixed(1));
  return [
    '| Model | Mode | Answered | Grounded | Citation precision | Declined when unanswerable | p50 (s) | p95 (s) | p50 first token (s) | Written by the model / quotes | Retrieval, mean (ms) | Generation, mean (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summaries.map(
      (row) =>
        `| ${row.model} | ${row.mode} | ${percent(row.answeredRate)} | ${percent(row.groundedRate)} | ${percent(row.citationPrecision)} | ${percent(row.declinedWhenUnanswerable)} | ${seconds(row.p50Ms)} | ${seconds(row.p95Ms)} | ${seconds(row.p50FirstTokenMs)} | ${row.modelAnswers} / ${row.extractiveAnswers} | ${row.meanRetrievalMs} | ${seconds(row.meanGenerationMs)} |`,
    ),
  ].join('\n');
}
