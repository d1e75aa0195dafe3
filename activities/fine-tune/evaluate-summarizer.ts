import { Context, log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import type { SummarizerChoice } from '../../domain/fine-tune.js';
import type { SummarizerEvaluation } from '../../domain/model-card.js';
import { meanRougeScores, rougeScores, type RougeScores } from '../../domain/rouge.js';
import { readDatasetSplit, summarizerFor, type FineTuneDependencies } from './dependencies.js';

/**
 * Scores a summarizer with ROUGE-1/2/L against the test split's reference answers. The
 * same scorer serves the fine-tuned model and the teacher, so they compare directly.
 */
export function evaluateSummarizer(
  dependencies: Pick<
    FineTuneDependencies,
    'config' | 'storage' | 'endpointUsage' | 'llm' | 'modelProblems'
  >,
) {
  return async function evaluateSummarizer({
    datasetName,
    version,
    summarizer: choice,
    maxSamples,
    label,
  }: {
    datasetName: string;
    version: string;
    summarizer: SummarizerChoice;
    maxSamples: number;
    /** How the evaluation is named in the registry and the model card. */
    label: string;
  }): Promise<SummarizerEvaluation | null> {
    const context = Context.current();
    const summarizer = summarizerFor(dependencies, choice);
    if (summarizer === undefined) {
      log.info('No endpoint serves the fine-tuned model: evaluation skipped', { label });
      return null;
    }
    const rows = (await readDatasetSplit(dependencies.storage, datasetName, version, 'test'))
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(0, maxSamples)
      .map((line) => JSON.parse(line) as { instruction: string; answer: string });
    // A retry resumes after the samples already scored.
    const resumed = context.info.heartbeatDetails as
      { next: number; scores: RougeScores[]; failed: number } | undefined;
    const scores = resumed?.scores ?? [];
    let failed = resumed?.failed ?? 0;
    for (let index = resumed?.next ?? 0; index < rows.length; index++) {
      context.heartbeat({ next: index, scores, failed });
      const row = rows[index]!;
      try {
        const prediction = await summarizer.summarize(row.instruction);
        scores.push(rougeScores(row.answer, prediction));
      } catch (error) {
        // A sample the model refuses counts as failed; outages and auth go to Temporal.
        if (
          error instanceof SecondBrainError &&
          (error.kind === 'permanent' || error.kind === 'validation')
        ) {
          failed++;
          continue;
        }
        throw error;
      }
    }
    const evaluation: SummarizerEvaluation = {
      summarizer: label,
      samples: rows.length,
      failed,
      scores: meanRougeScores(scores),
    };
    log.info('Evaluated summarizer', {
      summarizer: label,
      samples: rows.length,
      rouge1: evaluation.scores.rouge1.fmeasure,
      rougeL: evaluation.scores.rougeL.fmeasure,
    });
    return evaluation;
  };
}
