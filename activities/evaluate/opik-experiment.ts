import { log } from '@temporalio/activity';
import type { ItemScores } from '../../domain/evaluation.js';
import { errorMessage } from '../../domain/tracing.js';
import {
  findEvaluationDataset,
  type EvaluationResultRecord,
  type EvaluationRunRecord,
} from '../../integrations/evaluation/evaluation-store.js';
import { recordOpikExperiment } from '../../integrations/evaluation/opik-evaluation-sync.js';
import type { EvaluateDependencies } from './dependencies.js';

/**
 * Records the run as an Opik experiment once (again after a failed try). Opik is a mirror:
 * a failure is kept on the run as an error, and the run completes anyway.
 */
export async function opikExperiment(
  { config, mongo, opik }: Pick<EvaluateDependencies, 'config' | 'mongo' | 'opik'>,
  run: EvaluationRunRecord,
  scored: (EvaluationResultRecord & { scores: ItemScores })[],
): Promise<EvaluationRunRecord['opik']> {
  if (!opik || (run.opik && !('error' in run.opik))) return run.opik;
  try {
    const dataset = await findEvaluationDataset(mongo.db, run.datasetName, run.datasetVersion);
    const linked = scored.filter(
      (result): result is typeof result & { traceId: string } => result.traceId !== undefined,
    );
    const { experimentId } = await recordOpikExperiment(opik, {
      runId: run._id,
      datasetName: run.datasetName,
      datasetCreatedAt: dataset?.createdAt ?? run.startedAt,
      startedAt: run.startedAt,
      projectName: config.opik.projectName,
      metadata: { datasetVersion: run.datasetVersion, judge: run.judge, ...run.settings },
      items: linked.map((result) => ({
        itemId: result.itemId,
        traceId: result.traceId,
        scores: result.scores,
      })),
    });
    return { experimentId, datasetId: dataset?.opik?.datasetId ?? '' };
  } catch (error) {
    log.warn('The evaluation run could not be recorded as an Opik experiment', {
      runId: run._id,
      error: errorMessage(error),
    });
    return { error: errorMessage(error).slice(0, 300) };
  }
}
