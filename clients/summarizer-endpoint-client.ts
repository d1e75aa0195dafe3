// Starting summarizerEndpoint from a client. `ensure` runs as one long-lived workflow per
// endpoint (id summarizer-endpoint-<name>): starting it again signals `touch` to the running
// one instead of failing, so "make sure the endpoint runs" is always the same command. The
// run's result only comes when the endpoint is paused, so clients wait for the URL through the
// `endpoint` query instead.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Config } from '../config/environment.js';
import { PIPELINES, SUMMARIZER_ENDPOINT, summarizerEndpointWorkflowId } from '../domain/names.js';
import type {
  SummarizerEndpointResult,
  SummarizerEndpointView,
} from '../workflows/summarizer-endpoint.js';
import { PIPELINE_ATTRIBUTE, startPipeline, TRIGGER_ATTRIBUTE } from './temporal-client.js';

function inputField(input: unknown, field: string): unknown {
  return typeof input === 'object' && input !== null
    ? (input as Record<string, unknown>)[field]
    : undefined;
}

/** True for inputs whose run is the long-lived `ensure` (the default action). */
export function isEnsureInput(input: unknown): boolean {
  const action = inputField(input, 'action');
  return action === undefined || action === 'ensure';
}

export async function startSummarizerEndpoint(
  client: Client,
  config: Pick<Config, 'summarizer'>,
  options: { input?: unknown; trigger?: string; workflowId?: string; taskQueue?: string },
): Promise<{ handle: WorkflowHandle; runId: string | undefined }> {
  const input = options.input ?? {};
  if (!isEnsureInput(input)) {
    const handle = await startPipeline(client, 'summarizer-endpoint', { ...options, input });
    return { handle, runId: handle.firstExecutionRunId };
  }
  const name = inputField(input, 'name');
  const handle = await client.workflow.signalWithStart(
    PIPELINES['summarizer-endpoint'].workflowType,
    {
      taskQueue: options.taskQueue ?? PIPELINES['summarizer-endpoint'].taskQueue,
      workflowId:
        options.workflowId ??
        summarizerEndpointWorkflowId(
          typeof name === 'string' ? name : config.summarizer.endpointName,
        ),
      args: [input],
      signal: SUMMARIZER_ENDPOINT.touchSignal,
      signalArgs: [],
      typedSearchAttributes: [
        { key: PIPELINE_ATTRIBUTE, value: 'summarizer-endpoint' },
        { key: TRIGGER_ATTRIBUTE, value: options.trigger ?? 'api' },
      ],
    },
  );
  return { handle, runId: handle.signaledRunId };
}

export type EndpointWait =
  | { outcome: 'running'; view: SummarizerEndpointView }
  | { outcome: 'finished'; result: SummarizerEndpointResult };

/**
 * Waits until the workflow reports the endpoint running with a URL, or finishes (a failure
 * rejects with the workflow's error, as handle.result() does).
 */
export async function waitForEndpointUrl(
  handle: WorkflowHandle,
  options: { pollIntervalMs?: number; timeoutMs?: number } = {},
): Promise<EndpointWait> {
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let finished: EndpointWait | undefined;
  let failure: { error: unknown } | undefined;
  // Follows continue-as-new: the handle has no run id pinned.
  void handle.result().then(
    (value: unknown) => {
      finished = { outcome: 'finished', result: value as SummarizerEndpointResult };
    },
    (error: unknown) => {
      failure = { error };
    },
  );
  while (Date.now() < deadline) {
    if (finished) return finished;
    if (failure) throw failure.error;
    try {
      const view = await handle.query<SummarizerEndpointView>(SUMMARIZER_ENDPOINT.stateQuery);
      if (view.state === 'running' && view.url !== null) return { outcome: 'running', view };
    } catch {
      // The run may be between continue-as-new runs or completing: look again.
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  throw new Error(
    `The endpoint did not report running within ${options.timeoutMs ?? 3_600_000} ms`,
  );
}
