import { CancelledFailure, Context, log } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecondBrainError } from '../../domain/errors.js';
import {
  FAILED_ENDPOINT_STATES,
  failedEndpointError,
  type EndpointSnapshot,
  type EndpointState,
} from '../../domain/summarizer-endpoint.js';
import { describe, type SummarizerEndpointDependencies } from './dependencies.js';

/** How often the watch heartbeats between polls, so a dead worker is noticed fast. */
const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * Polls until the endpoint runs and has a URL. Heartbeats between polls (a dead worker is
 * noticed quickly); a retry keeps the original deadline from the heartbeat details.
 */
export function awaitEndpointRunning(
  dependencies: Pick<SummarizerEndpointDependencies, 'client' | 'endpoints'>,
) {
  return async function awaitEndpointRunning({
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
        const snapshot = await describe(dependencies, namespace, name);
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
          await dependencies.endpoints.remember(snapshot, { runningSince: new Date() });
          return snapshot;
        }
        if (FAILED_ENDPOINT_STATES.includes(snapshot.state)) throw failedEndpointError(snapshot);
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
  };
}
