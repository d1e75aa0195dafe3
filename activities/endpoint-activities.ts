// Activities of summarizerEndpoint: find what to serve (the newest registered model), create or
// resume the Inference Endpoint, watch it until it runs (heartbeating, failing clearly when it
// fails), read how long it has been idle, and pause it. Every state seen is written to the
// inference_endpoints collection, where operators (and the summarizer) find the URL.
import { CancelledFailure, Context, log } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/environment.js';
import { SecondBrainError } from '../domain/errors.js';
import { COLLECTIONS } from '../domain/names.js';
import type { SummarizerEndpointInput } from '../domain/workflow-inputs.js';
import {
  createInferenceEndpointsClient,
  type EndpointState,
  type InferenceEndpointDescription,
  type InferenceEndpointsClient,
} from '../integrations/huggingface/inference-endpoints.js';
import { createEndpointUsage } from '../integrations/llm/endpoint-usage.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import type { ModelRegistryEntry } from './training-activities.js';

/** What the workflow needs of an endpoint: small, so it fits in history. */
export interface EndpointSnapshot {
  namespace: string;
  name: string;
  state: EndpointState;
  url: string | null;
  repository: string;
  revision: string | null;
  message: string | null;
}

/** One endpoint (collection inference_endpoints), keyed by namespace/name. */
export interface InferenceEndpointRecord extends EndpointSnapshot {
  _id: string;
  updatedAt: Date;
  /** When it was last seen running, and last paused by this platform. */
  runningSince?: Date | null;
  pausedAt?: Date | null;
}

export interface EndpointTarget {
  name: string;
  namespace: string;
  /** null when neither the input nor the registry names a model (fine for an existing endpoint). */
  repository: string | null;
  revision: string | null;
}

export type EndpointChange = 'created' | 'resumed' | 'updated' | 'none';

const FAILED_STATES: readonly EndpointState[] = ['failed', 'updateFailed'];
const HEARTBEAT_INTERVAL_MS = 2_000;

export function snapshotOf(
  namespace: string,
  endpoint: InferenceEndpointDescription,
): EndpointSnapshot {
  return {
    namespace,
    name: endpoint.name,
    state: endpoint.status.state,
    url: endpoint.status.url ?? null,
    repository: endpoint.model.repository,
    revision: endpoint.model.revision ?? null,
    message: endpoint.status.message ?? null,
  };
}

function failedEndpointError(snapshot: EndpointSnapshot): SecondBrainError {
  return new SecondBrainError(
    'permanent',
    `Inference Endpoint ${snapshot.namespace}/${snapshot.name} is ${snapshot.state}${snapshot.message ? `: ${snapshot.message}` : ''}. Check its logs in the Inference Endpoints UI, fix the model or instance, then resume or recreate it.`,
    { details: { endpoint: `${snapshot.namespace}/${snapshot.name}`, state: snapshot.state } },
  );
}

export function createEndpointActivities({
  config,
  mongo,
  client = createInferenceEndpointsClient({
    apiUrl: config.summarizer.endpointsApiUrl,
    token: config.huggingFaceHub.token,
  }),
}: {
  config: Pick<Config, 'summarizer' | 'huggingFaceHub' | 'training'>;
  mongo: MongoDatabase;
  client?: InferenceEndpointsClient;
}) {
  const endpoints = mongo.db.collection<InferenceEndpointRecord>(COLLECTIONS.inferenceEndpoints);
  const models = mongo.db.collection<ModelRegistryEntry>(COLLECTIONS.models);
  const usage = createEndpointUsage(mongo.db);

  /** Writes what was seen; idempotent (keyed by namespace/name). */
  async function remember(
    snapshot: EndpointSnapshot,
    extra: Partial<InferenceEndpointRecord> = {},
  ) {
    await endpoints.updateOne(
      { _id: `${snapshot.namespace}/${snapshot.name}` },
      {
        $set: {
          ...snapshot,
          updatedAt: new Date(),
          ...(snapshot.state === 'running' ? {} : { runningSince: null }),
          ...extra,
        },
      },
      { upsert: true },
    );
  }

  async function describe(namespace: string, name: string): Promise<EndpointSnapshot | null> {
    const endpoint = await client.get(namespace, name);
    if (!endpoint) return null;
    const snapshot = snapshotOf(namespace, endpoint);
    await remember(snapshot);
    return snapshot;
  }

  return {
    /** Fills the input's gaps from config and the model registry. */
    async resolveEndpointTarget(
      request: Pick<SummarizerEndpointInput, 'name' | 'namespace' | 'repository' | 'revision'>,
    ): Promise<EndpointTarget> {
      let repository = request.repository ?? null;
      let revision = request.revision ?? null;
      if (repository === null) {
        const newest = (await models.find({}).sort({ createdAt: -1 }).limit(1).toArray())[0];
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
    },

    /** The endpoint as it is now; null when it does not exist. */
    async describeEndpoint({
      namespace,
      name,
    }: {
      namespace: string;
      name: string;
    }): Promise<EndpointSnapshot | null> {
      return describe(namespace, name);
    },

    /**
     * Creates the endpoint if it is missing, resumes it if paused (or scaled to zero), moves it
     * to the target model revision if it serves another; never waits. A retry after a create
     * that did happen finds the endpoint (409 or a GET), so there is never a second one.
     */
    async ensureEndpoint({
      target,
      instance,
    }: {
      target: EndpointTarget;
      instance: SummarizerEndpointInput['instance'];
    }): Promise<{ endpoint: EndpointSnapshot; change: EndpointChange }> {
      const { namespace, name } = target;
      const existing = await describe(namespace, name);
      if (existing === null) {
        if (target.repository === null) {
          throw new SecondBrainError(
            'notFound',
            `Inference Endpoint ${namespace}/${name} does not exist and no model is registered to create it with: run \`second-brain run train\` first, or pass repository`,
          );
        }
        let created: InferenceEndpointDescription;
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
            const found = await describe(namespace, name);
            if (found) return { endpoint: found, change: 'none' };
          }
          throw error;
        }
        const snapshot = snapshotOf(namespace, created);
        await remember(snapshot);
        log.info('Created Inference Endpoint', {
          endpoint: `${namespace}/${name}`,
          repository: target.repository,
        });
        return { endpoint: snapshot, change: 'created' };
      }
      if (FAILED_STATES.includes(existing.state)) throw failedEndpointError(existing);
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
        await remember(updated);
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
        await remember(resumed, { pausedAt: null });
        log.info('Resumed Inference Endpoint', { endpoint: `${namespace}/${name}` });
        return { endpoint: resumed, change: otherModel ? 'updated' : 'resumed' };
      }
      return { endpoint: existing, change: 'none' };
    },

    /**
     * Polls until the endpoint runs and has a URL. Heartbeats between polls (a dead worker is
     * noticed quickly); a retry keeps the original deadline from the heartbeat details.
     */
    async awaitEndpointRunning({
      namespace,
      name,
      pollIntervalSeconds,
      timeoutMinutes,
    }: {
      namespace: string;
      name: string;
      pollIntervalSeconds: number;
      timeoutMinutes: number;
    }): Promise<EndpointSnapshot> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as { startedAt?: number } | undefined;
      const startedAt = resumed?.startedAt ?? Date.now();
      let state: EndpointState | 'missing' = 'missing';
      const heartbeat = () => context.heartbeat({ startedAt, state });
      const ticker = setInterval(heartbeat, HEARTBEAT_INTERVAL_MS);
      try {
        for (;;) {
          if (context.cancellationSignal.aborted) throw new CancelledFailure('Activity cancelled');
          const snapshot = await describe(namespace, name);
          if (snapshot === null) {
            throw new SecondBrainError(
              'notFound',
              `Inference Endpoint ${namespace}/${name} disappeared while starting (deleted?)`,
            );
          }
          if (snapshot.state !== state) {
            log.info('Inference Endpoint state', {
              endpoint: `${namespace}/${name}`,
              state: snapshot.state,
            });
          }
          state = snapshot.state;
          heartbeat();
          if (snapshot.state === 'running' && snapshot.url !== null) {
            await remember(snapshot, { runningSince: new Date() });
            return snapshot;
          }
          if (FAILED_STATES.includes(snapshot.state)) throw failedEndpointError(snapshot);
          if (snapshot.state === 'paused') {
            throw new SecondBrainError(
              'permanent',
              `Inference Endpoint ${namespace}/${name} was paused while starting (by someone else?)`,
            );
          }
          if (Date.now() - startedAt > timeoutMinutes * 60_000) {
            throw new SecondBrainError(
              'permanent',
              `Inference Endpoint ${namespace}/${name} did not reach running within ${timeoutMinutes} minutes (still ${snapshot.state})`,
              { details: { state: snapshot.state } },
            );
          }
          await sleep(pollIntervalSeconds * 1_000, undefined, {
            signal: context.cancellationSignal,
          }).catch(() => undefined);
        }
      } finally {
        clearInterval(ticker);
      }
    },

    /** The endpoint's state and when a summarizer last called it (endpoint_usage). */
    async checkEndpointIdle({
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
      const snapshot = await describe(namespace, name);
      const lastUsedAt = await usage.lastUsedAt(snapshot?.url ?? url);
      return {
        state: snapshot?.state ?? 'missing',
        url: snapshot?.url ?? null,
        lastUsedAt: lastUsedAt?.getTime() ?? null,
      };
    },

    /** Pauses the endpoint (billing stops); one already paused is left as is. */
    async pauseEndpoint({
      namespace,
      name,
      reason,
    }: {
      namespace: string;
      name: string;
      reason: string;
    }): Promise<EndpointSnapshot> {
      const existing = await describe(namespace, name);
      if (existing === null) {
        throw new SecondBrainError(
          'notFound',
          `Inference Endpoint ${namespace}/${name} does not exist: nothing to pause`,
        );
      }
      if (existing.state === 'paused') return existing;
      const paused = snapshotOf(namespace, await client.pause(namespace, name));
      await remember(paused, { pausedAt: new Date() });
      log.info('Paused Inference Endpoint', { endpoint: `${namespace}/${name}`, reason });
      return paused;
    },
  };
}
