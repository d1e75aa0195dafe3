// Activities of the fine-tune pipeline (workflow fineTune): find the dataset version, launch
// the training job once per launch key, watch it to the end (logs streamed, latest step and
// loss heartbeated, resumed by the next worker after a crash), cancel it, score summarizers
// with ROUGE, register the model and push its card. Job records live in `training_jobs`
// (integrations/mongo/stores/training-jobs.ts), models in `models` (model-registry.ts).
import { awaitTrainingJob } from './await-training-job.js';
import { cancelTrainingJob } from './cancel-training-job.js';
import type { FineTuneDependencies } from './dependencies.js';
import { evaluateSummarizer } from './evaluate-summarizer.js';
import { launchTrainingJob } from './launch-training-job.js';
import { pushModelCard } from './push-model-card.js';
import { registerModel } from './register-model.js';
import { resolveTrainingDataset } from './resolve-training-dataset.js';

export type {
  DatasetVersions,
  FineTuneDependencies,
  RegisteredDatasetVersion,
  TrainingBackendFactory,
} from './dependencies.js';

export function createFineTuneActivities(dependencies: FineTuneDependencies) {
  return {
    resolveTrainingDataset: resolveTrainingDataset(dependencies),
    launchTrainingJob: launchTrainingJob(dependencies),
    awaitTrainingJob: awaitTrainingJob(dependencies),
    cancelTrainingJob: cancelTrainingJob(dependencies),
    evaluateSummarizer: evaluateSummarizer(dependencies),
    registerModel: registerModel(dependencies),
    pushModelCard: pushModelCard(dependencies),
  };
}
