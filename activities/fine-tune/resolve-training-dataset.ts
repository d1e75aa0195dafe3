import { SecondBrainError } from '../../domain/errors.js';
import type { TrainingDataset } from '../../domain/fine-tune.js';
import type { FineTuneDependencies } from './dependencies.js';

/** The dataset version to train on: the one named, else the newest of the dataset. */
export function resolveTrainingDataset({
  datasetVersions,
}: Pick<FineTuneDependencies, 'datasetVersions'>) {
  return async function resolveTrainingDataset({
    datasetName,
    datasetVersion,
  }: {
    datasetName: string;
    datasetVersion?: string;
  }): Promise<TrainingDataset> {
    const entry = await datasetVersions.find(datasetName, datasetVersion);
    if (!entry) {
      throw new SecondBrainError(
        'notFound',
        datasetVersion === undefined
          ? `No version of dataset ${datasetName} exists yet: run \`second-brain run dataset\` first`
          : `Dataset version ${datasetName}@${datasetVersion} does not exist`,
      );
    }
    if (entry.counts.train === 0) {
      throw new SecondBrainError(
        'validation',
        `Dataset version ${entry._id} has no training samples`,
      );
    }
    return {
      datasetName: entry.datasetName,
      version: entry.version,
      prefix: entry.prefix,
      counts: {
        train: entry.counts.train,
        validation: entry.counts.validation,
        test: entry.counts.test,
      },
      hubRepo: entry.hub?.repo ?? null,
    };
  };
}
