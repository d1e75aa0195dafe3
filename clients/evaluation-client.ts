// Evaluation runs from the outside: the report of a run (by default the newest) compared with
// the run before it, and the list of runs. The CLI's `eval` commands and the web UI read here.
import type { Db } from 'mongodb';
import { compareRuns, METRICS, type MetricComparison } from '../domain/evaluation.js';
import { comparisonChartSvg } from '../domain/evaluation-report.js';
import { EVALUATION_REPORT_FILES } from '../domain/storage-layout.js';
import {
  evaluationCollections,
  listEvaluationRuns,
  type EvaluationRunRecord,
} from '../integrations/evaluation/evaluation-store.js';

export interface EvaluationRunSummary {
  runId: string;
  datasetName: string;
  datasetVersion: string;
  questions: number;
  answered: number;
  judge: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface EvaluationReport extends EvaluationRunSummary {
  previousRunId: string | null;
  comparison: (MetricComparison & { higherIsBetter: boolean })[];
  reportKey: string | null;
  chartKey: string | null;
  opikExperimentId: string | null;
}

function summaryOf(run: EvaluationRunRecord): EvaluationRunSummary {
  return {
    runId: run._id,
    datasetName: run.datasetName,
    datasetVersion: run.datasetVersion,
    questions: run.itemIds.length,
    answered: run.answered ?? 0,
    judge: run.judge,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

export async function listEvaluations(db: Db, limit = 20): Promise<EvaluationRunSummary[]> {
  return (await listEvaluationRuns(db, { limit })).map(summaryOf);
}

/** A completed run (the newest when runId is omitted) compared with the one before it. */
export async function getEvaluationReport(
  db: Db,
  runId?: string,
): Promise<EvaluationReport | undefined> {
  const { runs } = evaluationCollections(db);
  const run = runId
    ? await runs.findOne({ _id: runId, status: 'completed' })
    : (await listEvaluationRuns(db, { limit: 1 }))[0];
  if (!run?.metrics) return undefined;
  const previous = run.previousRunId ? await runs.findOne({ _id: run.previousRunId }) : null;
  const comparison = compareRuns(run.metrics, previous?.metrics).map((row) => ({
    ...row,
    higherIsBetter: METRICS[row.metric].higherIsBetter,
  }));
  return {
    ...summaryOf(run),
    previousRunId: run.previousRunId ?? null,
    comparison,
    reportKey: run.reportPrefix ? `${run.reportPrefix}${EVALUATION_REPORT_FILES.report}` : null,
    chartKey: run.reportPrefix ? `${run.reportPrefix}${EVALUATION_REPORT_FILES.chart}` : null,
    opikExperimentId: run.opik && 'experimentId' in run.opik ? run.opik.experimentId : null,
  };
}

export function evaluationChart(report: EvaluationReport): string {
  return comparisonChartSvg(report.comparison, {
    title: `Evaluation ${report.runId}${report.previousRunId ? ` vs ${report.previousRunId}` : ''}`,
  });
}
