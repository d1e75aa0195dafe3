import { log } from '@temporalio/activity';
import {
  aggregateScores,
  compareRuns,
  METRIC_NAMES,
  type ItemScores,
} from '../../domain/evaluation.js';
import type { EvaluationMetricsResult } from '../../domain/evaluation-run.js';
import { comparisonChartSvg, comparisonMarkdown } from '../../domain/evaluation-report.js';
import { EVALUATION_REPORT_FILES, runPrefix } from '../../domain/storage-layout.js';
import {
  evaluationCollections,
  type EvaluationResultRecord,
  type EvaluationRunRecord,
} from '../../integrations/evaluation/evaluation-store.js';
import { runRecord, type EvaluateDependencies } from './dependencies.js';
import { opikExperiment } from './opik-experiment.js';

/** The previous completed run of the same dataset; decided once, so a retry compares the same. */
async function previousRun(
  collections: ReturnType<typeof evaluationCollections>,
  run: EvaluationRunRecord,
): Promise<string | null> {
  if (run.previousRunId !== undefined) return run.previousRunId;
  const [previous] = await collections.runs
    .find({ datasetName: run.datasetName, status: 'completed', _id: { $ne: run._id } })
    .sort({ finishedAt: -1 })
    .limit(1)
    .toArray();
  return previous?._id ?? null;
}

/** Aggregates the run, compares it with the previous one, and stores the report. */
export function finishEvaluationRun(
  dependencies: Pick<EvaluateDependencies, 'config' | 'storage' | 'mongo' | 'opik'>,
) {
  const { storage, mongo } = dependencies;
  const collections = evaluationCollections(mongo.db);
  return async function finishEvaluationRun(input: {
    runId: string;
  }): Promise<EvaluationMetricsResult> {
    const run = await runRecord(mongo, input.runId);
    const results = await collections.results.find({ runId: input.runId }).toArray();
    const scored = results.filter(
      (result): result is EvaluationResultRecord & { scores: ItemScores } =>
        result.scores !== undefined,
    );
    const metrics = run.metrics ?? aggregateScores(scored.map((result) => result.scores));
    const previousRunId = await previousRun(collections, run);
    const previous = previousRunId ? await collections.runs.findOne({ _id: previousRunId }) : null;
    const comparisons = compareRuns(metrics, previous?.metrics);
    const prefix = runPrefix('eval', input.runId);
    const reportKey = `${prefix}${EVALUATION_REPORT_FILES.report}`;
    const chartKey = `${prefix}${EVALUATION_REPORT_FILES.chart}`;
    await storage.putObject(
      reportKey,
      comparisonMarkdown({
        runId: input.runId,
        previousRunId,
        datasetName: run.datasetName,
        datasetVersion: run.datasetVersion,
        questions: run.itemIds.length,
        judge: run.judge,
        comparisons,
      }),
      'text/markdown; charset=utf-8',
    );
    await storage.putObject(chartKey, comparisonChartSvg(comparisons), 'image/svg+xml');
    const opik = await opikExperiment(dependencies, run, scored);
    const answered = results.filter((result) => result.answer !== undefined).length;
    await collections.runs.updateOne(
      { _id: input.runId },
      {
        $set: {
          status: 'completed',
          finishedAt: run.finishedAt ?? new Date(),
          answered,
          failed: run.itemIds.length - answered,
          metrics,
          previousRunId,
          comparisons,
          reportPrefix: prefix,
          ...(opik ? { opik } : {}),
        },
      },
    );
    log.info('Evaluation run finished', { runId: input.runId, answered });
    return {
      runId: input.runId,
      datasetName: run.datasetName,
      datasetVersion: run.datasetVersion,
      questions: run.itemIds.length,
      answered,
      failed: run.itemIds.length - answered,
      judge: run.judge,
      metrics: Object.fromEntries(
        METRIC_NAMES.map((name) => [name, metrics[name].mean]),
      ) as EvaluationMetricsResult['metrics'],
      counts: Object.fromEntries(
        METRIC_NAMES.map((name) => [name, metrics[name].count]),
      ) as EvaluationMetricsResult['counts'],
      previousRunId,
      comparison: comparisons.map(({ metric, previous: before, current, delta, verdict }) => ({
        metric,
        previous: before,
        current,
        delta,
        verdict,
      })),
      reportKey,
      chartKey,
      ...(opik && 'experimentId' in opik ? { opikExperimentId: opik.experimentId } : {}),
    };
  };
}
