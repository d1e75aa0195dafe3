// Programmatic access to the pipelines: the CLI, schedules and tests all start workflows here.
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Config } from '../config/environment.js';
import { createDataConverter } from '../integrations/temporal/data-converter.js';
import {
  PIPELINE_NAMES,
  PIPELINES,
  SEARCH_ATTRIBUTES,
  type PipelineName,
} from '../domain/names.js';
import { temporalConnectionOptions } from '../integrations/temporal/connection-options.js';

export const PIPELINE_ATTRIBUTE = defineSearchAttributeKey(
  SEARCH_ATTRIBUTES.pipeline.name,
  SearchAttributeType.KEYWORD,
);
export const TRIGGER_ATTRIBUTE = defineSearchAttributeKey(
  SEARCH_ATTRIBUTES.trigger.name,
  SearchAttributeType.KEYWORD,
);

export class UnknownPipelineError extends Error {
  constructor(name: string) {
    super(`Unknown pipeline "${name}". Valid pipelines: ${PIPELINE_NAMES.join(', ')}`);
    this.name = 'UnknownPipelineError';
  }
}

export function isPipelineName(name: string): name is PipelineName {
  return Object.hasOwn(PIPELINES, name);
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config),
  });
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
  if (!isPipelineName(pipeline)) throw new UnknownPipelineError(pipeline);
  const definition = PIPELINES[pipeline];
  return client.workflow.start(definition.workflowType, {
    taskQueue: options.taskQueue ?? definition.taskQueue,
    workflowId:
      options.workflowId ??
      `${pipeline}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
    args: [options.input ?? {}],
    typedSearchAttributes: [
      { key: PIPELINE_ATTRIBUTE, value: pipeline },
      { key: TRIGGER_ATTRIBUTE, value: options.trigger ?? 'api' },
    ],
  });
}
