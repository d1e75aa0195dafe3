// Whether the ETL's LLM stage can run on this worker.
import type { EtlDependencies } from './dependencies.js';

export function createDescribeEtlScoringModel({ llm }: Pick<EtlDependencies, 'llm'>) {
  /** Whether the LLM stage can run, and if not, why (reported in the result). */
  // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
  return async function describeEtlScoringModel({
    model,
  }: {
    model: string | undefined;
  }): Promise<{ available: boolean; reason: string | null; modelId: string | null }> {
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
    return { available: true, reason: null, modelId: llm.modelId };
  };
}
