// What every dataset activity is given: the stores it reads and writes and the teacher. Built
// once by index.ts from the worker's dependencies, so each activity file stays free of clients.
import type { HubRepositories } from '../../integrations/huggingface/hub-repositories.js';
import type { DatasetRegistry } from '../../integrations/mongo/stores/dataset-registry.js';
import type { RawDocumentStore } from '../../integrations/mongo/stores/raw-documents.js';
import type { ObjectStorage } from '../../integrations/s3/object-storage.js';
import type { Teacher } from './teacher.js';

export interface DatasetActivityDependencies {
  storage: ObjectStorage;
  /** The ETL's documents, read by quality score or by id. */
  raw: Pick<RawDocumentStore, 'scoredAtLeast' | 'byIds'>;
  registry: DatasetRegistry;
  teacher: Teacher;
  hub?: HubRepositories;
  defaultHubRepo?: string;
}
