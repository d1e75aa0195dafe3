// The dataset activities moved to activities/dataset/ (one file per activity); this keeps the
// old import path working for the composition root and the training pipeline until they point
// there.
export { createDatasetActivities } from './dataset/index.js';
export { summaryMaxTokens } from '../domain/dataset-distillation.js';
export type {
  DatasetRegistryEntry,
  StoredSample,
} from '../integrations/mongo/stores/dataset-registry.js';
