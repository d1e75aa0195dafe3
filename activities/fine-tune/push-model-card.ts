import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import { MODEL_FILES } from '../../domain/model-card.js';
import type { FineTuneDependencies } from './dependencies.js';

/** Pushes the card and the loss curve to the model repo; unchanged files make no commit. */
export function pushModelCard({
  storage,
  modelRegistry,
  modelHub,
}: Pick<FineTuneDependencies, 'storage' | 'modelRegistry' | 'modelHub'>) {
  return async function pushModelCard({
    modelId,
  }: {
    modelId: string;
  }): Promise<{ repo: string; pushed: boolean; committed: boolean; note?: string }> {
    const entry = await modelRegistry.find(modelId);
    if (!entry) throw new SecondBrainError('notFound', `Model ${modelId} is not registered`);
    if (!modelHub) {
      // A local run without a token still registers the model; the card waits in S3.
      const note = 'HF_TOKEN is not set: the model card stays in S3';
      log.warn(note, { modelId });
      return { repo: entry.repoId, pushed: false, committed: false, note };
    }
    const files = [];
    for (const [name, key] of [
      [MODEL_FILES.card, entry.files.card],
      [MODEL_FILES.lossChart, entry.files.lossChart],
    ] as const) {
      const object = await storage.getObject(key);
      if (!object) throw new SecondBrainError('notFound', `Model file ${key} is missing in S3`);
      files.push({ path: name, content: new Uint8Array(object.body) });
    }
    const published = await modelHub.publish(entry.repoId, files, `Model card for ${modelId}`);
    await modelRegistry.recordCard(modelId, {
      pushed: true,
      repo: entry.repoId,
      commitOid: published.commitOid ?? entry.card.commitOid,
    });
    return { repo: entry.repoId, pushed: true, committed: published.committed };
  };
}
