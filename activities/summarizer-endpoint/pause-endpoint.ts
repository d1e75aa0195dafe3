import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import type { EndpointSnapshot } from '../../domain/summarizer-endpoint.js';
import { describe, snapshotOf, type SummarizerEndpointDependencies } from './dependencies.js';

/** Pauses the endpoint (billing stops); one already paused is left as is. */
export function pauseEndpoint(
  dependencies: Pick<SummarizerEndpointDependencies, 'client' | 'endpoints'>,
) {
  return async function pauseEndpoint({
    namespace,
    name,
    reason,
  }: {
    namespace: string;
    name: string;
    reason: string;
  }): Promise<EndpointSnapshot> {
    const existing = await describe(dependencies, namespace, name);
    if (existing === null) {
      throw new SecondBrainError(
        'notFound',
        `Inference Endpoint ${namespace}/${name} does not exist: nothing to pause`,
      );
    }
    if (existing.state === 'paused') return existing;
    const paused = snapshotOf(namespace, await dependencies.client.pause(namespace, name));
    await dependencies.endpoints.remember(paused, { pausedAt: new Date() });
    log.info('Paused Inference Endpoint', { endpoint: `${namespace}/${name}`, reason });
    return paused;
  };
}
