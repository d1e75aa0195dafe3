// Programmatic access to the pipelines: the CLI, schedules and tests all start workflows here.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Config } from '../config/environment.js';
import { connectTemporalClient } from '../integrations/temporal/temporal-connection.js';
import { PIPELINE_NAMES, PIPELINES, resolvePipelineName } from '../domain/names.js';

import {
  PIPELINE_ATTRIBUTE,
  TRIGGER_ATTRIBUTE,
} from '../integrations/temporal/search-attributes.js';

export { PIPELINE_ATTRIBUTE, TRIGGER_ATTRIBUTE };

export class UnknownPipelineError extends Error {
  constructor(name: string) {
    super(`Unknown pipeline "${name}". Valid pipelines: ${PIPELINE_NAMES.join(', ')}`);
    this.name = 'UnknownPipelineError';
  }
}

/** A client for the configured server (see integrations/temporal/temporal-connection.ts). */
export function connectClient(config: Config): Promise<Client> {
  return connectTemporalClient(config);
}

export function workflowUiUrl(config: Config, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

export interface StartPipelineOptions {
  input?: unknown;
  workflowId?: string;
  /** Who started it (cli, schedule, ui, test), recorded as the Trigger search attribute. */
  trigger?: string;
  taskQueue?: string;
}

export async function startPipeline(
  client: Client,
  pipeline: string,
  options: StartPipelineOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const name = resolvePipelineName(pipeline);
  if (name === undefined) throw new UnknownPipelineError(pipeline);
  const definition = PIPELINES[name];
  return client.workflow.start(definition.workflowType, {
    taskQueue: options.taskQueue ?? definition.taskQueue,
    workflowId:
      options.workflowId ??
      `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
    args: [options.input ?? {}],
    typedSearchAttributes: [
      { key: PIPELINE_ATTRIBUTE, value: name },
      { key: TRIGGER_ATTRIBUTE, value: options.trigger ?? 'api' },
    ],
  });
}
