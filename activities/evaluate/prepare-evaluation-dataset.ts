import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import { errorMessage } from '../../domain/tracing.js';
import type { EvaluateInput } from '../../domain/workflow-inputs.js';
import {
  evaluationCollections,
  findEvaluationDataset,
  type EvaluationDatasetRecord,
} from '../../integrations/evaluation/evaluation-store.js';
import { syncDatasetToOpik } from '../../integrations/evaluation/opik-evaluation-sync.js';
import type { EvaluateDependencies } from './dependencies.js';
import { generateStarterDataset } from './starter-dataset.js';

/** Mirrors the dataset to Opik once; Opik is a mirror, so a failure only warns. */
async function syncToOpik(
  { config, mongo, opik }: Pick<EvaluateDependencies, 'config' | 'mongo' | 'opik'>,
  dataset: EvaluationDatasetRecord,
): Promise<void> {
  if (!opik || dataset.opik) return;
  try {
    const { datasetId } = await syncDatasetToOpik(opik, {
      name: dataset.name,
      version: dataset.version,
      items: dataset.items,
      createdAt: dataset.createdAt,
      projectName: config.opik.projectName,
    });
    await evaluationCollections(mongo.db).datasets.updateOne(
      { _id: dataset._id },
      { $set: { opik: { datasetId, syncedAt: new Date() } } },
    );
  } catch (error) {
    // The run goes on with the dataset stored in MongoDB.
    log.warn('The evaluation dataset could not be synced to Opik', {
      dataset: dataset._id,
      error: errorMessage(error),
    });
  }
}

/** The dataset version to evaluate: the named one, the newest, or a new starter dataset. */
export function prepareEvaluationDataset(dependencies: EvaluateDependencies) {
  return async function prepareEvaluationDataset(
    input: Pick<
      EvaluateInput,
      'datasetName' | 'datasetVersion' | 'starterQuestions' | 'regenerate' | 'seed'
    >,
  ): Promise<{ datasetName: string; version: string; itemIds: string[]; generated: boolean }> {
    let dataset = await findEvaluationDataset(
      dependencies.mongo.db,
      input.datasetName,
      input.datasetVersion,
    );
    if (!dataset && input.datasetVersion)
      throw new SecondBrainError(
        'notFound',
        `No evaluation dataset ${input.datasetName}@${input.datasetVersion}`,
      );
    const generated = !dataset || input.regenerate;
    if (!dataset || input.regenerate) dataset = await generateStarterDataset(dependencies, input);
    await syncToOpik(dependencies, dataset);
    log.info('Evaluation dataset ready', {
      dataset: dataset._id,
      questions: dataset.items.length,
      generated,
    });
    return {
      datasetName: dataset.name,
      version: dataset.version,
      itemIds: dataset.items.map((item) => item.id),
      generated,
    };
  };
}
