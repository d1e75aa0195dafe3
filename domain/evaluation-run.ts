// The evaluate pipeline's shapes beyond the metrics themselves: the port through which an
// evaluation asks the agent (built by the worker's composition root over the agent's task
// queue), the deterministic answer-benchmark scores of one answer, and the run's result.
import type { AnswerKind, TurnResult } from './agent.js';
import { scoreAnswer } from './answering/answer-metrics.js';
import type { EvaluationItem, ItemScores, MetricComparison, MetricName } from './evaluation.js';

/** One question for the agent, in its own conversation, under stable ids (asked once). */
export interface AgentTurnRequest {
  question: string;
  conversationId: string;
  turnId: string;
  taskQueue?: string;
  trigger: string;
  /** How long the conversation waits for a next question before it completes. */
  idleTimeoutMinutes: number;
}

/** The turn, or why the agent failed it for good (a result of the evaluation, not a crash). */
export type AgentTurnOutcome = { ok: true; turn: TurnResult } | { ok: false; error: string };

/** Runs one agent turn; infrastructure failures throw (the activity retries). */
export type RunAgentTurn = (request: AgentTurnRequest) => Promise<AgentTurnOutcome>;

/** What deterministic scoring reads of a stored answer. */
export interface ScoredAnswer {
  answer?: string;
  answerKind?: AnswerKind;
  sources?: { n: number; url: string; documentId?: string }[];
}

/**
 * The answer benchmark's metrics for one answer: grounded (needs labelled documents), citation
 * precision (needs citations) and declined-when-unanswerable (needs an unanswerable item).
 */
export function deterministicScores(
  item: EvaluationItem,
  result: ScoredAnswer,
  retrieved: { n: number; documentId: string; text: string }[],
): Pick<ItemScores, 'grounded' | 'citation_precision' | 'declined_when_unanswerable'> {
  const cited = (result.sources ?? []).map((source) => ({
    n: source.n,
    url: source.url,
    documentId: source.documentId,
    text: retrieved.find((candidate) => candidate.n === source.n)?.text ?? '',
  }));
  const score = scoreAnswer(
    {
      id: item.id,
      question: item.question,
      answerPages: item.unanswerable ? [] : item.sourceDocumentIds,
      keyTerms: item.keyTerms ?? [],
    },
    { answer: result.answer ?? '', answerKind: result.answerKind ?? 'model', sources: cited },
  );
  // Without key terms, citing a labelled document is what grounded means.
  const groundedWithoutTerms = item.keyTerms?.length
    ? score.grounded
    : score.answered &&
      cited.some((source) => item.sourceDocumentIds.includes(source.documentId ?? ''));
  return {
    grounded:
      item.unanswerable || item.sourceDocumentIds.length === 0
        ? null
        : {
            value: groundedWithoutTerms ? 1 : 0,
            reason: groundedWithoutTerms
              ? 'cites a labelled document'
              : score.answered
                ? 'cites no labelled document, or says none of the key terms'
                : 'declined',
          },
    citation_precision:
      score.citationPrecision === null
        ? null
        : {
            value: score.citationPrecision,
            reason: `${Math.round(score.citationPrecision * cited.length)} of ${cited.length} cited passage(s) support a sentence citing them`,
          },
    declined_when_unanswerable: item.unanswerable
      ? {
          value: score.declinedCorrectly ? 1 : 0,
          reason: score.declinedCorrectly ? 'declined' : 'answered a question it cannot answer',
        }
      : null,
  };
}

export interface EvaluationMetricsResult {
  runId: string;
  datasetName: string;
  datasetVersion: string;
  questions: number;
  answered: number;
  failed: number;
  judge: string;
  /** The mean of each metric over the questions where it could be computed (null: none). */
  metrics: Record<MetricName, number | null>;
  /** How many questions each mean is over. */
  counts: Record<MetricName, number>;
  previousRunId: string | null;
  comparison: Pick<MetricComparison, 'metric' | 'previous' | 'current' | 'delta' | 'verdict'>[];
  reportKey: string;
  chartKey: string;
  opikExperimentId?: string;
}
