// Evaluation as plain data and pure functions: the dataset item, the metrics that need no model
// (summary density heuristic, retrieval recall@k and MRR), the prompts and schemas of the LLM
// steps this project writes itself (starter questions, the density judge), aggregation of a
// run, and the comparison of two runs. The Opik metrics (Hallucination, AnswerRelevance,
// Moderation) run in integrations/evaluation/.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fenceUntrusted, untrustedTextRule } from './untrusted-text.js';

export const evaluationItemSchema = z
  .object({
    /** Stable within a dataset: derived from the question unless given. */
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - or _ (at most 64)'),
    question: z.string().trim().min(1).max(2_000),
    /** What a good answer says (optional; shown beside the answer in reports). */
    referenceAnswer: z.string().max(10_000).optional(),
    /** Documents that answer the question: retrieval recall@k and MRR are computed when set. */
    sourceDocumentIds: z.array(z.string().min(1)).max(50).default([]),
    /** Terms an answer must contain one of to count as grounded (case-insensitive). */
    keyTerms: z.array(z.string().trim().min(1).max(200)).max(20).optional(),
    /** The knowledge base cannot answer it: the right answer is a decline. */
    unanswerable: z.boolean().optional(),
  })
  .strict();

export type EvaluationItem = z.infer<typeof evaluationItemSchema>;

export function evaluationItemId(question: string): string {
  return `q-${createHash('sha256').update(question.trim()).digest('hex').slice(0, 12)}`;
}

/** A dataset version id derived from its items, so the same questions give the same version. */
export function evaluationDatasetVersion(items: readonly EvaluationItem[]): string {
  const canonical = items.map((item) => ({
    id: item.id,
    question: item.question,
    referenceAnswer: item.referenceAnswer ?? null,
    sourceDocumentIds: [...item.sourceDocumentIds].sort(),
    // Only when set, so the versions of datasets made before these fields stay the same.
    ...(item.keyTerms && item.keyTerms.length > 0 ? { keyTerms: [...item.keyTerms].sort() } : {}),
    ...(item.unanswerable ? { unanswerable: true } : {}),
  }));
  return `v-${createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 12)}`;
}

/** Every metric of a run, in report order, with the direction that is better. */
export const METRICS = {
  hallucination: { label: 'Hallucination (Opik)', higherIsBetter: false },
  answer_relevance: { label: 'Answer relevance (Opik)', higherIsBetter: true },
  moderation: { label: 'Moderation (Opik)', higherIsBetter: false },
  summary_density_heuristic: { label: 'Summary density (heuristic)', higherIsBetter: true },
  summary_density_judge: { label: 'Summary density (LLM judge)', higherIsBetter: true },
  recall_at_k: { label: 'Retrieval recall@k', higherIsBetter: true },
  mrr: { label: 'Retrieval MRR', higherIsBetter: true },
  // Deterministic (domain/answering/answer-metrics.ts): meaningful whatever the judge.
  grounded: {
    label: 'Grounded (cites the labelled document, says a key term)',
    higherIsBetter: true,
  },
  citation_precision: { label: 'Citation precision', higherIsBetter: true },
  declined_when_unanswerable: { label: 'Declined when unanswerable', higherIsBetter: true },
} as const;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export interface MetricScore {
  value: number;
  reason: string;
}

/** One question's scores; a metric that could not be computed is null with its reason. */
export type ItemScores = Record<MetricName, MetricScore | null>;

export function clampScore(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

/**
 * The original project's summary density heuristic: 1 inside the ideal length (128-1024
 * characters), falling linearly with the relative distance outside it, never below 0.
 */
export function summaryDensityHeuristic(
  answer: string,
  options: { minLength?: number; maxLength?: number } = {},
): MetricScore {
  const min = options.minLength ?? 128;
  const max = options.maxLength ?? 1_024;
  const length = answer.trim().length;
  if (length < min)
    return {
      value: clampScore(1 - (min - length) / min),
      reason: `${length} characters, under the ideal ${min}-${max}`,
    };
  if (length > max)
    return {
      value: clampScore(1 - (length - max) / max),
      reason: `${length} characters, over the ideal ${min}-${max}`,
    };
  return { value: 1, reason: `${length} characters, within the ideal ${min}-${max}` };
}

/** The distinct documents of a ranked result list, in rank order. */
export function rankedDocuments(documentIds: readonly string[]): string[] {
  return [...new Set(documentIds.filter(Boolean))];
}

/** Share of the labeled documents found among the first k retrieved documents. */
export function recallAtK(
  retrieved: readonly string[],
  relevant: readonly string[],
  k: number,
): number | undefined {
  const labels = new Set(relevant);
  if (labels.size === 0) return undefined;
  const top = rankedDocuments(retrieved).slice(0, k);
  return top.filter((id) => labels.has(id)).length / labels.size;
}

/** Reciprocal rank of the first labeled document among the retrieved ones (0 when none). */
export function reciprocalRank(
  retrieved: readonly string[],
  relevant: readonly string[],
): number | undefined {
  const labels = new Set(relevant);
  if (labels.size === 0) return undefined;
  const rank = rankedDocuments(retrieved).findIndex((id) => labels.has(id));
  return rank === -1 ? 0 : 1 / (rank + 1);
}

// The density judge: a three-level verdict is what a small model can give reliably.
export const DENSITY_LEVELS = { poor: 0, good: 0.5, excellent: 1 } as const;

export const densityVerdictSchema = z.object({
  density: z.enum(['poor', 'good', 'excellent']),
  reason: z.string().max(300),
});

export function densityJudgeMessages(
  question: string,
  answer: string,
): { role: 'system' | 'user'; content: string }[] {
  return [
    {
      role: 'system',
      content:
        'You grade how dense an answer is. excellent: short and every sentence informs. good: mostly informative, some filler. poor: rambling, repetitive, empty or far too long.',
    },
    {
      role: 'user',
      content: `Question: ${question.slice(0, 500)}\n\nAnswer: ${answer.slice(0, 2_000)}\n\nGrade the answer's density as JSON.`,
    },
  ];
}

// Starter questions: one per sampled chunk, written by the chat model.
export const STARTER_PROMPT_VERSION = 'starter-question-v2';

export const starterQuestionSchema = z.object({
  question: z.string().min(8).max(200),
});

export function starterQuestionMessages(
  title: string,
  text: string,
): { role: 'system' | 'user'; content: string }[] {
  return [
    {
      role: 'system',
      content:
        'You write one question that the given note answers. The question must be specific, stand alone, and end with a question mark. ' +
        untrustedTextRule('NOTE'),
    },
    {
      role: 'user',
      content: `${fenceUntrusted('NOTE', text.slice(0, 1_200), { title: title.slice(0, 120) })}\n\nWrite one question this note answers, as JSON.`,
    },
  ];
}

/**
 * A usable question: on one line, only the first question when the model wrote several, 3-30
 * words, ending with a question mark; a degenerate one (a word over and over, as small models
 * loop) is refused.
 */
export function cleanQuestion(question: string): string | undefined {
  let line = question.replace(/\s+/g, ' ').trim();
  const mark = line.indexOf('?');
  if (mark >= 0) line = line.slice(0, mark + 1);
  line = line.endsWith('?') ? line : `${line.replace(/[.!:;,]+$/, '')}?`;
  const words = line.split(' ');
  if (line.length < 8 || words.length < 3 || words.length > 30) return undefined;
  const counts = new Map<string, number>();
  for (const word of words.map((entry) => entry.toLowerCase().replace(/[^\p{L}\p{N}-]/gu, '')))
    if (word.length > 2) counts.set(word, (counts.get(word) ?? 0) + 1);
  if ([...counts.values()].some((count) => count > 3)) return undefined;
  return line;
}

/** A deterministic sample: chunks shuffled by seed, at most one per document first. */
export function sampleChunks<T extends { chunkId: string; documentId: string }>(
  chunks: readonly T[],
  count: number,
  seed: number,
): T[] {
  const keyed = [...chunks]
    .map((chunk) => ({
      chunk,
      key: createHash('sha256').update(`${seed}:${chunk.chunkId}`).digest('hex'),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const picked: T[] = [];
  const documents = new Set<string>();
  for (const { chunk } of keyed) {
    if (picked.length >= count) break;
    if (documents.has(chunk.documentId)) continue;
    documents.add(chunk.documentId);
    picked.push(chunk);
  }
  for (const { chunk } of keyed) {
    if (picked.length >= count) break;
    if (!picked.includes(chunk)) picked.push(chunk);
  }
  return picked;
}

export interface MetricSummary {
  mean: number | null;
  count: number;
}

export type RunMetrics = Record<MetricName, MetricSummary>;

/** Means over the questions where each metric could be computed. */
export function aggregateScores(items: readonly ItemScores[]): RunMetrics {
  return Object.fromEntries(
    METRIC_NAMES.map((name) => {
      const values = items.flatMap((item) => (item[name] ? [item[name].value] : []));
      return [
        name,
        {
          mean:
            values.length === 0
              ? null
              : Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 1e4) /
                1e4,
          count: values.length,
        },
      ];
    }),
  ) as RunMetrics;
}

export interface MetricComparison {
  metric: MetricName;
  label: string;
  current: number | null;
  previous: number | null;
  delta: number | null;
  /** better / worse / same, by the metric's direction; null without both values. */
  verdict: 'better' | 'worse' | 'same' | null;
}

export function compareRuns(
  current: RunMetrics,
  previous: RunMetrics | undefined,
): MetricComparison[] {
  return METRIC_NAMES.map((metric) => {
    const now = current[metric].mean;
    const before = previous?.[metric].mean ?? null;
    const delta = now === null || before === null ? null : Math.round((now - before) * 1e4) / 1e4;
    const verdict =
      delta === null
        ? null
        : Math.abs(delta) < 1e-9
          ? 'same'
          : delta > 0 === METRICS[metric].higherIsBetter
            ? 'better'
            : 'worse';
    return { metric, label: METRICS[metric].label, current: now, previous: before, delta, verdict };
  });
}
