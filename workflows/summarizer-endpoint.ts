import {
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createSummarizerEndpointActivities } from '../activities/summarizer-endpoint/index.js';
import { SUMMARIZER_ENDPOINT } from '../domain/names.js';
import type {
  EndpointChange,
  EndpointSnapshot,
  EndpointState,
} from '../domain/summarizer-endpoint.js';
import type { SummarizerEndpointInput } from '../domain/workflow-inputs.js';
import { PIPELINE_RETRY } from './activity-policies.js';
import { parseInput } from './parse-input.js';

type Activities = ReturnType<typeof createSummarizerEndpointActivities>;

const apiActivities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: PIPELINE_RETRY,
});

/** What the `endpoint` query answers: the CLI prints the URL once the state is running. */
export interface SummarizerEndpointView {
  action: SummarizerEndpointInput['action'];
  namespace: string | null;
  name: string | null;
  state: EndpointState | 'missing' | 'unknown';
  url: string | null;
  /** ensure: when the endpoint will be paused unless a summarizer uses it (ISO), once running. */
  pausesAt: string | null;
}

export interface SummarizerEndpointResult {
  action: SummarizerEndpointInput['action'];
  namespace: string;
  name: string;
  state: EndpointState | 'missing';
  url: string | null;
  repository: string | null;
  revision: string | null;
  /** ensure: what it did to get the endpoint running. */
  change?: EndpointChange;
  /** ensure: who paused it in the end: this workflow after the idle window, or someone else. */
  pausedBy?: 'idle' | 'external';
}

export const endpointStateQuery = defineQuery<SummarizerEndpointView>(
  SUMMARIZER_ENDPOINT.stateQuery,
);
export const touchSignal = defineSignal(SUMMARIZER_ENDPOINT.touchSignal);

function result(
  action: SummarizerEndpointInput['action'],
  snapshot: EndpointSnapshot,
  extra: Pick<SummarizerEndpointResult, 'change' | 'pausedBy'> = {},
): SummarizerEndpointResult {
  return {
    action,
    namespace: snapshot.namespace,
    name: snapshot.name,
    state: snapshot.state,
    url: snapshot.url,
    repository: snapshot.repository,
    revision: snapshot.revision,
    ...extra,
  };
}

/**
 * Manages the fine-tuned summarizer's dedicated Inference Endpoint (about $1 per hour on a GPU).
 * `ensure` creates it if missing (serving the newest registered model) or resumes it, waits
 * until it runs, then stays alive and pauses it once no summarizer called it for
 * `idlePauseMinutes` (summarizers mark each call in endpoint_usage; the `touch` signal also
 * restarts the idle timer). `pause` pauses it now; `status` reports it.
 */
export async function summarizerEndpoint(
  rawInput: unknown = {},
): Promise<SummarizerEndpointResult> {
  const input = await parseInput('summarizerEndpoint', rawInput);
  const view: SummarizerEndpointView = {
    action: input.action,
    namespace: null,
    name: null,
    state: 'unknown',
    url: null,
    pausesAt: null,
  };
  setHandler(endpointStateQuery, () => view);
  let touchedAt: number | null = null;
  setHandler(touchSignal, () => {
    touchedAt = Date.now();
  });
  const see = (snapshot: EndpointSnapshot | null) => {
    view.state = snapshot?.state ?? 'missing';
    view.url = snapshot?.url ?? null;
  };

  const target = await apiActivities.resolveEndpointTarget.executeWithOptions(
    { summary: 'Resolve the endpoint name, namespace and model' },
    [
      {
        name: input.name,
        namespace: input.namespace,
        repository: input.repository,
        revision: input.revision,
      },
    ],
  );
  const { namespace, name } = target;
  view.namespace = namespace;
  view.name = name;

  if (input.action === 'status') {
    const snapshot = await apiActivities.describeEndpoint.executeWithOptions(
      { summary: `Read ${namespace}/${name}` },
      [{ namespace, name }],
    );
    see(snapshot);
    if (snapshot === null) {
      return {
        action: 'status',
        namespace,
        name,
        state: 'missing',
        url: null,
        repository: null,
        revision: null,
      };
    }
    return result('status', snapshot);
  }

  if (input.action === 'pause') {
    const paused = await apiActivities.pauseEndpoint.executeWithOptions(
      { summary: `Pause ${namespace}/${name}` },
      [{ namespace, name, reason: 'requested' }],
    );
    see(paused);
    return result('pause', paused);
  }

  const ensured = await apiActivities.ensureEndpoint.executeWithOptions(
    { summary: `Create or resume ${namespace}/${name}` },
    [{ target, instance: input.instance }],
  );
  see(ensured.endpoint);
  // The watch lasts as long as the start may; heartbeats notice a dead worker quickly.
  const watchActivities = proxyActivities<Activities>({
    startToCloseTimeout: `${Math.ceil(input.timeoutMinutes) + 5} minutes`,
    heartbeatTimeout: `${Math.max(15, Math.ceil(input.pollIntervalSeconds * 3))} seconds`,
    retry: PIPELINE_RETRY,
  });
  const running = await watchActivities.awaitEndpointRunning.executeWithOptions(
    { summary: `Wait until ${namespace}/${name} runs` },
    [
      {
        namespace,
        name,
        pollIntervalSeconds: input.pollIntervalSeconds,
        timeoutMinutes: input.timeoutMinutes,
      },
    ],
  );
  see(running);
  const url = running.url!;
  log.info('Inference Endpoint running', { endpoint: `${namespace}/${name}`, url });

  // Pause when idle: sleep until the idle deadline (a touch wakes us early), then ask MongoDB
  // when a summarizer last called the endpoint; a later call moves the deadline.
  const idleMs = input.idlePauseMinutes * 60_000;
  let lastActivity = input.idleSince === undefined ? Date.now() : Date.parse(input.idleSince);
  for (let check = 1; ; check++) {
    if (touchedAt !== null) {
      lastActivity = Math.max(lastActivity, touchedAt);
      touchedAt = null;
    }
    const deadline = lastActivity + idleMs;
    view.pausesAt = new Date(deadline).toISOString();
    const wait = deadline - Date.now();
    if (wait > 0 && (await condition(() => touchedAt !== null, wait))) continue;
    const idle = await apiActivities.checkEndpointIdle.executeWithOptions(
      { summary: `Is ${namespace}/${name} idle?` },
      [{ namespace, name, url }],
    );
    view.state = idle.state;
    if (idle.state === 'failed' || idle.state === 'updateFailed') {
      throw ApplicationFailure.create({
        message: `Inference Endpoint ${namespace}/${name} became ${idle.state} while serving; check its logs in the Inference Endpoints UI`,
        type: 'PermanentError',
        nonRetryable: true,
      });
    }
    if (idle.state === 'paused' || idle.state === 'missing' || idle.state === 'scaledToZero') {
      // Someone else paused, deleted or scaled it: nothing left to watch.
      log.info('Inference Endpoint stopped outside this workflow', { state: idle.state });
      view.pausesAt = null;
      return {
        ...result('ensure', running, { change: ensured.change, pausedBy: 'external' }),
        state: idle.state,
      };
    }
    if (idle.lastUsedAt !== null) lastActivity = Math.max(lastActivity, idle.lastUsedAt);
    if (Date.now() >= lastActivity + idleMs && touchedAt === null) {
      const paused = await apiActivities.pauseEndpoint.executeWithOptions(
        { summary: `Pause ${namespace}/${name} after ${input.idlePauseMinutes} idle minutes` },
        [{ namespace, name, reason: `idle for ${input.idlePauseMinutes} minutes` }],
      );
      see(paused);
      view.pausesAt = null;
      return result('ensure', paused, { change: ensured.change, pausedBy: 'idle' });
    }
    if (check >= input.checksPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof summarizerEndpoint>({
        ...input,
        idleSince: new Date(Math.max(lastActivity, touchedAt ?? 0)).toISOString(),
      });
    }
  }
}
