// Scores one answered question: Opik's Hallucination, AnswerRelevance and Moderation metrics
// with the judge model, the original project's summary density (heuristic and LLM judge), and
// retrieval recall@k and MRR when the question has labeled source documents. A metric that
// fails (the judge's reply is unusable twice) is recorded as null with its reason; the others
// still count.
import { AnswerRelevance, Hallucination, Moderation } from 'opik';
import { SecondBrainError } from '../../domain/errors.js';
import {
  DENSITY_LEVELS,
  densityJudgeMessages,
  densityVerdictSchema,
  reciprocalRank,
  recallAtK,
  summaryDensityHeuristic,
  type ItemScores,
  type MetricName,
  type MetricScore,
} from '../../domain/evaluation.js';
import { errorMessage } from '../../domain/tracing.js';
import type { ChatModel } from '../llm/chat-model.js';
import { ChatModelJudge } from './chat-model-judge.js';

export interface ScoringInput {
  question: string;
  answer: string;
  /** Retrieved chunk texts the answer was built from, best first. */
  contexts: string[];
  /** Retrieved document ids in rank order. */
  retrievedDocumentIds: string[];
  /** Labeled documents (empty: no retrieval metrics). */
  relevantDocumentIds: string[];
  k: number;
}

export interface ScoringResult {
  scores: ItemScores;
  errors: Partial<Record<MetricName, string>>;
}

/** Context handed to the judge: a few chunks, each cut, so the prompt fits a small model. */
const JUDGE_CONTEXTS = 3;
const JUDGE_CONTEXT_CHARS = 600;
const JUDGE_ANSWER_CHARS = 1_500;
const JUDGE_MAX_TOKENS = 200;

export function createEvaluationScorer(judge: ChatModel) {
  const opikJudge = new ChatModelJudge(judge);
  // trackMetric: false, because the SDK's own tracking would send each metric call to Opik's
  // default cloud; our tracing already records every judge call under the workflow's trace.
  const settings = {
    model: opikJudge,
    trackMetric: false,
    temperature: 0,
    maxTokens: JUDGE_MAX_TOKENS,
  };
  const hallucination = new Hallucination(settings);
  const relevanceWithContext = new AnswerRelevance(settings);
  const relevanceWithoutContext = new AnswerRelevance({ ...settings, requireContext: false });
  const moderation = new Moderation(settings);

  return {
    judge: `${judge.provider}/${judge.modelId}`,
    async score(input: ScoringInput, onProgress?: () => void): Promise<ScoringResult> {
      const scores = {} as ItemScores;
      const errors: ScoringResult['errors'] = {};
      const answer = input.answer.slice(0, JUDGE_ANSWER_CHARS);
      const context = input.contexts
        .slice(0, JUDGE_CONTEXTS)
        .map((text) => text.slice(0, JUDGE_CONTEXT_CHARS));
      const run = async (name: MetricName, work: () => Promise<MetricScore>) => {
        try {
          scores[name] = await work();
        } catch (error) {
          // Retryable failures (a timeout, a rate limit) are Temporal's to retry.
          if (error instanceof SecondBrainError && error.retryable) throw error;
          scores[name] = null;
          errors[name] = errorMessage(error).slice(0, 500);
        }
        onProgress?.();
      };
      const fromOpik = (result: { value: number; reason?: string }): MetricScore => ({
        value: result.value,
        reason: (result.reason ?? '').slice(0, 500),
      });

      await run('hallucination', async () =>
        fromOpik(
          await hallucination.score({
            input: input.question,
            output: answer,
            ...(context.length > 0 ? { context } : {}),
          }),
        ),
      );
      await run('answer_relevance', async () =>
        fromOpik(
          context.length > 0
            ? await relevanceWithContext.score({ input: input.question, output: answer, context })
            : await relevanceWithoutContext.score({ input: input.question, output: answer }),
        ),
      );
      await run('moderation', async () => fromOpik(await moderation.score({ output: answer })));
      scores.summary_density_heuristic = summaryDensityHeuristic(input.answer);
      await run('summary_density_judge', async () => {
        const response = await judge.chat({
          messages: densityJudgeMessages(input.question, input.answer),
          temperature: 0,
          maxTokens: 160,
          responseSchema: densityVerdictSchema,
          responseSchemaName: 'density_verdict',
        });
        const verdict = response.output!;
        return {
          value: DENSITY_LEVELS[verdict.density],
          reason: `${verdict.density}: ${verdict.reason}`,
        };
      });
      const recall = recallAtK(input.retrievedDocumentIds, input.relevantDocumentIds, input.k);
      const mrr = reciprocalRank(input.retrievedDocumentIds, input.relevantDocumentIds);
      scores.recall_at_k =
        recall === undefined
          ? null
          : {
              value: recall,
              reason: `${input.relevantDocumentIds.length} labeled document(s), k=${input.k}`,
            };
      scores.mrr =
        mrr === undefined
          ? null
          : {
              value: mrr,
              reason:
                mrr === 0
                  ? 'no labeled document retrieved'
                  : `first labeled document at rank ${Math.round(1 / mrr)}`,
            };
      if (recall === undefined) {
        errors.recall_at_k = 'the question has no labeled source documents';
        errors.mrr = 'the question has no labeled source documents';
      }
      return { scores, errors };
    },
  };
}

export type EvaluationScorer = ReturnType<typeof createEvaluationScorer>;
