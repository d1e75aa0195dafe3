import type { EndpointState } from '../../domain/summarizer-endpoint.js';
import { describe, type SummarizerEndpointDependencies } from './dependencies.js';

/** The endpoint's state and when a summarizer last called it (endpoint_usage). */
export function checkEndpointIdle(
  dependencies: Pick<SummarizerEndpointDependencies, 'client' | 'endpoints' | 'endpointUsage'>,
) {
  return async function checkEndpointIdle({
    namespace,
    name,
    url,
  }: {
    namespace: string;
    name: string;
    url: string;
  }): Promise<{
    state: EndpointState | 'missing';
    url: string | null;
    lastUsedAt: number | null;
  }> {
    const snapshot = await describe(dependencies, namespace, name);
    const lastUsedAt = await dependencies.endpointUsage.lastUsedAt(snapshot?.url ?? url);
    return {
      state: snapshot?.state ?? 'missing',
      url: snapshot?.url ?? null,
      lastUsedAt: lastUsedAt?.getTime() ?? null,
    };
  };
}
