import { log } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import {
  FAILED_ENDPOINT_STATES,
  failedEndpointError,
  type EndpointChange,
  type EndpointSnapshot,
  type EndpointTarget,
} from '../../domain/summarizer-endpoint.js';
import type { SummarizerEndpointInput } from '../../domain/workflow-inputs.js';
import { describe, snapshotOf, type SummarizerEndpointDependencies } from './dependencies.js';

type Dependencies = Pick<SummarizerEndpointDependencies, 'client' | 'endpoints'>;

/** Creates the endpoint; a create that happened before (409) returns the existing one. */
async function create(
  dependencies: Dependencies,
  target: EndpointTarget & { repository: string },
  instance: SummarizerEndpointInput['instance'],
): Promise<{ endpoint: EndpointSnapshot; change: EndpointChange }> {
  const { client, endpoints } = dependencies;
  const { namespace, name } = target;
  let created;
  try {
    created = await client.create(namespace, {
      name,
      type: 'protected',
      provider: { vendor: instance.vendor, region: instance.region },
      compute: {
        accelerator: instance.accelerator,
        instanceType: instance.instanceType,
        instanceSize: instance.instanceSize,
        // One replica, never scaled to zero by the service: pausing is this workflow's job.
        scaling: { minReplica: 1, maxReplica: 1 },
      },
      model: {
        repository: target.repository,
        ...(target.revision === null ? {} : { revision: target.revision }),
        framework: instance.framework,
        task: instance.task,
        image: { tgi: { url: instance.image, healthRoute: '/health', port: 80 } },
      },
    });
  } catch (error) {
    if (error instanceof SecondBrainError && error.details?.status === 409) {
      const found = await describe(dependencies, namespace, name);
      if (found) return { endpoint: found, change: 'none' };
    }
    throw error;
  }
  const snapshot = snapshotOf(namespace, created);
  await endpoints.remember(snapshot);
  log.info('Created Inference Endpoint', {
    endpoint: `${namespace}/${name}`,
    repository: target.repository,
  });
  return { endpoint: snapshot, change: 'created' };
}

/**
 * Creates the endpoint if it is missing, resumes it if paused (or scaled to zero), moves it
 * to the target model revision if it serves another; never waits. A retry after a create
 * that did happen finds the endpoint (409 or a GET), so there is never a second one.
 */
export function ensureEndpoint(dependencies: Dependencies) {
  const { client, endpoints } = dependencies;
  return async function ensureEndpoint({
    target,
    instance,
  }: {
    target: EndpointTarget;
    instance: SummarizerEndpointInput['instance'];
  }): Promise<{ endpoint: EndpointSnapshot; change: EndpointChange }> {
    const { namespace, name } = target;
    const existing = await describe(dependencies, namespace, name);
    if (existing === null) {
      if (target.repository === null) {
        throw new SecondBrainError(
          'notFound',
          `Inference Endpoint ${namespace}/${name} does not exist and no model is registered to create it with: run \`second-brain run fine-tune\` first, or pass repository`,
        );
      }
      return create(dependencies, { ...target, repository: target.repository }, instance);
    }
    if (FAILED_ENDPOINT_STATES.includes(existing.state)) throw failedEndpointError(existing);
    const otherModel =
      target.repository !== null &&
      (existing.repository !== target.repository ||
        (target.revision !== null && existing.revision !== target.revision));
    if (otherModel) {
      // An update restarts the endpoint on the new revision (state `updating`, then running).
      const updated = snapshotOf(
        namespace,
        await client.update(namespace, name, {
          model: {
            repository: target.repository!,
            ...(target.revision === null ? {} : { revision: target.revision }),
          },
        }),
      );
      await endpoints.remember(updated);
      log.info('Moved Inference Endpoint to another model revision', {
        endpoint: `${namespace}/${name}`,
        repository: target.repository,
        revision: target.revision,
      });
      if (updated.state !== 'paused' && updated.state !== 'scaledToZero')
        return { endpoint: updated, change: 'updated' };
    }
    if (existing.state === 'paused' || existing.state === 'scaledToZero') {
      const resumed = snapshotOf(namespace, await client.resume(namespace, name));
      await endpoints.remember(resumed, { pausedAt: null });
      log.info('Resumed Inference Endpoint', { endpoint: `${namespace}/${name}` });
      return { endpoint: resumed, change: otherModel ? 'updated' : 'resumed' };
    }
    return { endpoint: existing, change: 'none' };
  };
}
