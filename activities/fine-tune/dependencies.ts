// What the fine-tune activities are built from (the worker's composition root passes these),
// and the small lookups several of them share.
import type { Config } from '../../config/environment.js';
import { DATASET_FILES } from '../../domain/dataset-card.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { SummarizerChoice } from '../../domain/fine-tune.js';
import { datasetVersionPrefix } from '../../domain/storage-layout.js';
import type { HubRepositories } from '../../integrations/huggingface/hub-repositories.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import type { EndpointUsage } from '../../integrations/llm/endpoint-usage.js';
import {
  createChatSummarizer,
  createEndpointSummarizer,
  type Summarizer,
} from '../../integrations/llm/summarizer.js';
import type { ModelRegistry } from '../../integrations/mongo/stores/model-registry.js';
import type {
  TrainingJobRecord,
  TrainingJobStore,
} from '../../integrations/mongo/stores/training-jobs.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';
import type {
  TrainingBackend,
  TrainingBackendName,
} from '../../integrations/training/training-backend.js';

/** Builds the backend a job runs on; the worker wires the real ones, tests may wrap them. */
export type TrainingBackendFactory = (
  name: TrainingBackendName,
  options: { namespace: string | null },
) => TrainingBackend;

/** A dataset version as the fine-tune pipeline needs it from the dataset registry. */
export interface RegisteredDatasetVersion {
  _id: string;
  datasetName: string;
  version: string;
  prefix: string;
  counts: { train: number; validation: number; test: number };
  hub?: { repo: string } | null;
}

/** The dataset registry, read-only: a named version, or the newest one of a dataset. */
export interface DatasetVersions {
  find(datasetName: string, version?: string): Promise<RegisteredDatasetVersion | null>;
}

export interface FineTuneDependencies {
  config: Pick<Config, 'training' | 'summarizer' | 'huggingFaceHub' | 'models'>;
  storage: ObjectStorage;
  datasetVersions: DatasetVersions;
  trainingJobs: TrainingJobStore;
  modelRegistry: ModelRegistry;
  backends: TrainingBackendFactory;
  /** Marks the endpoint used when the fine-tuned model is scored through it (the idle timer). */
  endpointUsage: EndpointUsage;
  /** The teacher, for comparisons: the worker's chat model. */
  llm?: ChatModel;
  modelProblems?: string[];
  /** Publishes to model repos (the model card); undefined without HF_TOKEN. */
  modelHub?: HubRepositories;
}

export function backendFor(
  dependencies: Pick<FineTuneDependencies, 'backends'>,
  record: Pick<TrainingJobRecord, 'backend' | 'namespace'>,
): TrainingBackend {
  return dependencies.backends(record.backend, { namespace: record.namespace });
}

export async function readDatasetSplit(
  storage: ObjectStorage,
  datasetName: string,
  version: string,
  split: 'train' | 'validation' | 'test',
): Promise<Buffer> {
  const key = `${datasetVersionPrefix(datasetName, version)}${DATASET_FILES[split]}`;
  const object = await storage.getObject(key);
  if (!object) throw new SecondBrainError('notFound', `Dataset file ${key} is missing in S3`);
  return object.body;
}

/** The summarizer a choice names; undefined when no endpoint is configured for the model. */
export function summarizerFor(
  dependencies: Pick<FineTuneDependencies, 'config' | 'endpointUsage' | 'llm' | 'modelProblems'>,
  choice: SummarizerChoice,
): Summarizer | undefined {
  const { config } = dependencies;
  if (choice.kind === 'endpoint') {
    const url = choice.url ?? config.summarizer.endpointUrl;
    if (url === undefined) return undefined;
    return createEndpointSummarizer({
      url,
      model: choice.model ?? config.summarizer.endpointModel,
      apiKey: config.huggingFaceHub.token,
      timeoutMs: config.models.llm.timeoutMs,
      usage: dependencies.endpointUsage,
    });
  }
  if (!dependencies.llm) {
    const problems = dependencies.modelProblems ?? [];
    throw new SecondBrainError(
      'permanent',
      `No chat model is available on this worker to compare with${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`,
    );
  }
  return createChatSummarizer(dependencies.llm);
}
