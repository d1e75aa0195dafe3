// Activities of the summarization dataset: choose the documents, distill them with the teacher
// (every answer persisted the moment it exists, so nothing is paid for twice), build and store
// a version in the data registry (S3 files + a `datasets` entry), and publish it to the Hub.
// Each activity lives in its own file and takes its dependencies as an argument; this builds
// them once from the stores and models the worker's composition root passes in.
import type { HubRepositories } from '../../integrations/huggingface/hub-repositories.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';
import { buildDatasetVersion } from './build-dataset-version.js';
import type { DatasetActivityDependencies } from './dependencies.js';
import { distillDocuments } from './distill-documents.js';
import { planDatasetDocumentList, planDatasetDocuments } from './plan-dataset-documents.js';
import { publishDatasetVersion } from './publish-dataset-version.js';
import { createTeacher } from './teacher.js';

type Input<T extends (dependencies: DatasetActivityDependencies, input: never) => unknown> =
  Parameters<T>[1];

export function createDatasetActivities({
  storage,
  raw,
  registry,
  llm,
  modelProblems = [],
  hub,
  defaultHubRepo,
}: {
  storage: ObjectStorage;
  raw: DatasetActivityDependencies['raw'];
  registry: DatasetActivityDependencies['registry'];
  /** The teacher: the worker's chat model; undefined when it could not load. */
  llm?: ChatModel;
  /** Why the chat model is missing, for the error a distillation step then fails with. */
  modelProblems?: string[];
  hub?: HubRepositories;
  defaultHubRepo?: string;
}) {
  const dependencies: DatasetActivityDependencies = {
    storage,
    raw,
    registry,
    teacher: createTeacher(llm, modelProblems),
    hub,
    defaultHubRepo,
  };
  return {
    planDatasetDocuments: (filter: Input<typeof planDatasetDocuments>) =>
      planDatasetDocuments(dependencies, filter),
    planDatasetDocumentList: (filter: Input<typeof planDatasetDocumentList>) =>
      planDatasetDocumentList(dependencies, filter),
    distillDocuments: (input: Input<typeof distillDocuments>) =>
      distillDocuments(dependencies, input),
    buildDatasetVersion: (input: Input<typeof buildDatasetVersion>) =>
      buildDatasetVersion(dependencies, input),
    publishDatasetVersion: (input: Input<typeof publishDatasetVersion>) =>
      publishDatasetVersion(dependencies, input),
  };
}
