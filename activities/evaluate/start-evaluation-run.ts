import {
  evaluationCollections,
  type EvaluationRunRecord,
} from '../../integrations/evaluation/evaluation-store.js';
import { runRecord, type EvaluateDependencies } from './dependencies.js';

/** Records the run (its questions: the first `limit` of the dataset). */
export function startEvaluationRun({
  mongo,
  judge,
}: Pick<EvaluateDependencies, 'mongo' | 'judge'>) {
  return async function startEvaluationRun(input: {
    runId: string;
    datasetName: string;
    datasetVersion: string;
    itemIds: string[];
    settings: EvaluationRunRecord['settings'];
  }): Promise<{ itemIds: string[] }> {
    const itemIds = input.itemIds.slice(0, input.settings.limit);
    await evaluationCollections(mongo.db).runs.updateOne(
      { _id: input.runId },
      {
        $setOnInsert: {
          datasetName: input.datasetName,
          datasetVersion: input.datasetVersion,
          itemIds,
          status: 'running',
          judge: judge ? `${judge.provider}/${judge.modelId}` : 'unavailable',
          settings: input.settings,
          startedAt: new Date(),
        },
      },
      { upsert: true },
    );
    return { itemIds: (await runRecord(mongo, input.runId)).itemIds };
  };
}
