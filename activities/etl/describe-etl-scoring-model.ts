// Whether the ETL's LLM stage can run on this worker, and whether its model should be asked.
import type { EtlDependencies } from './dependencies.js';

export function createDescribeEtlScoringModel({
  llm,
  qualityScoring = 'auto',
  modelsUnfitForScoring = [],
}: Pick<EtlDependencies, 'llm' | 'qualityScoring' | 'modelsUnfitForScoring'>) {
  /** Whether the LLM stage can run, and if not, why (reported in the result). */
  // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
  return async function describeEtlScoringModel({
    model,
  }: {
    model: string | undefined;
  }): Promise<{ available: boolean; reason: string | null; modelId: string | null }> {
    if (qualityScoring === 'never')
      return {
        available: false,
        reason: 'ETL_LLM_SCORING is never on this worker',
        modelId: llm?.modelId ?? null,
      };
    if (!llm)
      return {
        available: false,
        reason: 'no chat model is configured on the worker',
        modelId: null,
      };
    if (model !== undefined && model !== llm.modelId)
      return {
        available: false,
        reason: `model ${model} requested but the worker serves ${llm.modelId}`,
        modelId: llm.modelId,
      };
    // A score from a model that cannot read a page is worse than none: the bundled 135M model
    // rated each article of the demo library 0 ("no idea"), which kept the best pages out of
    // the index. Unscored pages (null) are indexed (includeUnscored), so they are left so.
    if (qualityScoring === 'auto' && modelsUnfitForScoring.includes(llm.modelId))
      return {
        available: false,
        reason: `${llm.modelId} is too small to judge page quality (ETL_LLM_SCORING=always asks it anyway)`,
        modelId: llm.modelId,
      };
    return { available: true, reason: null, modelId: llm.modelId };
  };
}
