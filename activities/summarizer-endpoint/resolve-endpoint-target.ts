import { SecondBrainError } from '../../domain/errors.js';
import type { EndpointTarget } from '../../domain/summarizer-endpoint.js';
import type { SummarizerEndpointInput } from '../../domain/workflow-inputs.js';
import type { SummarizerEndpointDependencies } from './dependencies.js';

/** Fills the input's gaps from config and the model registry. */
export function resolveEndpointTarget({
  config,
  modelRegistry,
}: Pick<SummarizerEndpointDependencies, 'config' | 'modelRegistry'>) {
  return async function resolveEndpointTarget(
    request: Pick<SummarizerEndpointInput, 'name' | 'namespace' | 'repository' | 'revision'>,
  ): Promise<EndpointTarget> {
    let repository = request.repository ?? null;
    let revision = request.revision ?? null;
    if (repository === null) {
      const newest = await modelRegistry.newest();
      if (newest) {
        repository = newest.repoId;
        revision = request.revision ?? newest.revision;
      }
    }
    const namespace =
      request.namespace ??
      config.summarizer.endpointNamespace ??
      repository?.split('/')[0] ??
      config.training.modelRepo?.split('/')[0];
    if (namespace === undefined) {
      throw new SecondBrainError(
        'validation',
        'No namespace for the Inference Endpoint: set HF_ENDPOINTS_NAMESPACE or the input namespace (or register a model first)',
      );
    }
    return {
      name: request.name ?? config.summarizer.endpointName,
      namespace,
      repository,
      revision,
    };
  };
}
