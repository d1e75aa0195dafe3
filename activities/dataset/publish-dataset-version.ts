// Uploads a stored dataset version's files to its Hub dataset repo and records the commit.
import { log } from '@temporalio/activity';
import { compareStrings } from '../../domain/dataset-distillation.js';
import { DATASET_FILES } from '../../domain/dataset-card.js';
import { SecondBrainError } from '../../domain/errors.js';
import { datasetVersionPrefix } from '../../domain/storage-layout.js';
import type { PublishResult } from '../../integrations/huggingface/hub-repositories.js';
import type { DatasetActivityDependencies } from './dependencies.js';

/** Uploads a stored version's files to the Hub dataset repo; unchanged files make no commit. */
export async function publishDatasetVersion(
  { storage, registry, hub, defaultHubRepo }: DatasetActivityDependencies,
  { datasetName, version, hubRepo }: { datasetName: string; version: string; hubRepo?: string },
): Promise<Pick<PublishResult, 'repo' | 'committed' | 'commitOid'>> {
  if (!hub) {
    throw new SecondBrainError(
      'auth',
      'push: true needs HF_TOKEN (a Hugging Face token with write access)',
    );
  }
  const repo = hubRepo ?? defaultHubRepo;
  if (!repo) {
    throw new SecondBrainError(
      'validation',
      'push: true needs a dataset repo: set DATASET_REPO or the input hubRepo ("namespace/name")',
    );
  }
  const prefix = datasetVersionPrefix(datasetName, version);
  const files = [];
  for (const name of Object.values(DATASET_FILES).sort(compareStrings)) {
    const object = await storage.getObject(`${prefix}${name}`);
    if (!object)
      throw new SecondBrainError('notFound', `Dataset file ${prefix}${name} is missing in S3`);
    files.push({ path: name, content: new Uint8Array(object.body) });
  }
  const published = await hub.publish(repo, files, `Dataset ${datasetName} ${version}`);
  await registry.recordPublication(datasetName, version, {
    repo,
    commitOid: published.commitOid,
  });
  log.info('Published dataset version', { repo, version, committed: published.committed });
  return { repo: published.repo, committed: published.committed, commitOid: published.commitOid };
}
