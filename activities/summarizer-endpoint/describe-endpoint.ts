import type { EndpointSnapshot } from '../../domain/summarizer-endpoint.js';
import { describe, type SummarizerEndpointDependencies } from './dependencies.js';

/** The endpoint as it is now; null when it does not exist. */
export function describeEndpoint(
  dependencies: Pick<SummarizerEndpointDependencies, 'client' | 'endpoints'>,
) {
  return async function describeEndpoint({
    namespace,
    name,
  }: {
    namespace: string;
    name: string;
  }): Promise<EndpointSnapshot | null> {
    return describe(dependencies, namespace, name);
  };
}
