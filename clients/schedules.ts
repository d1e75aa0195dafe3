// Temporal Schedules from schedules.json: `apply` creates or updates them idempotently, and the
// rest of the verbs (list, pause, unpause, trigger, backfill, delete) act on them by id. They
// are ordinary Temporal schedules, visible and editable in the Temporal UI.
import { readFileSync } from 'node:fs';
import {
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
import {
  scheduleFileSchema,
  scheduleFingerprint,
  type ScheduleDefinition,
} from '../domain/schedule-definitions.js';
import { PIPELINES } from '../domain/names.js';
import { describeIssues } from '../domain/workflow-inputs.js';
import { PIPELINE_ATTRIBUTE, TRIGGER_ATTRIBUTE } from './temporal-client.js';

const MANAGED_BY = 'second-brain';

export class ScheduleFileError extends Error {}

export function loadScheduleFile(path: string): ScheduleDefinition[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ScheduleFileError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = scheduleFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ScheduleFileError(`${path} is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data.schedules;
}

function optionsFor(definition: ScheduleDefinition): ScheduleOptions {
  const pipeline = PIPELINES[definition.pipeline];
  return {
    scheduleId: definition.id,
    spec: { cronExpressions: [definition.cron] },
    action: {
      type: 'startWorkflow',
      workflowType: pipeline.workflowType,
      taskQueue: definition.taskQueue ?? pipeline.taskQueue,
      workflowId: definition.id,
      args: [definition.input],
      typedSearchAttributes: [
        { key: PIPELINE_ATTRIBUTE, value: definition.pipeline },
        { key: TRIGGER_ATTRIBUTE, value: 'schedule' },
      ],
      // The fingerprint lives in the action's memo because a schedule's own memo cannot be updated.
      memo: { managedBy: MANAGED_BY, scheduleFingerprint: scheduleFingerprint(definition) },
      staticSummary: `${definition.pipeline} (schedule ${definition.id})`,
    },
    policies: { overlap: definition.overlap, catchupWindow: definition.catchupWindow },
    state: {
      paused: definition.paused,
      note: definition.note || `Managed by ${MANAGED_BY} (schedules.json)`,
    },
  };
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export async function applySchedules(
  client: Client,
  definitions: ScheduleDefinition[],
): Promise<{ id: string; outcome: ApplyOutcome }[]> {
  const results: { id: string; outcome: ApplyOutcome }[] = [];
  for (const definition of definitions) {
    const options = optionsFor(definition);
    const handle = client.schedule.getHandle(definition.id);
    let existing: ScheduleDescription | undefined;
    try {
      existing = await handle.describe();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
    if (!existing) {
      await client.schedule.create(options);
      results.push({ id: definition.id, outcome: 'created' });
      continue;
    }
    const action = existing.action;
    const sameAction =
      action.type === 'startWorkflow' &&
      action.memo?.scheduleFingerprint === scheduleFingerprint(definition);
    const sameState =
      existing.state.paused === definition.paused && existing.state.note === options.state?.note;
    if (sameAction && sameState) {
      results.push({ id: definition.id, outcome: 'unchanged' });
      continue;
    }
    await handle.update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
      state: { ...previous.state, paused: definition.paused, note: options.state?.note },
    }));
    results.push({ id: definition.id, outcome: 'updated' });
  }
  return results;
}

export interface ScheduleSummary {
  id: string;
  pipeline: string | undefined;
  workflowType: string | undefined;
  paused: boolean;
  note: string | undefined;
  nextRuns: string[];
  recentRuns: { startedAt: string; workflowId: string }[];
}

export async function listSchedules(client: Client): Promise<ScheduleSummary[]> {
  const summaries: ScheduleSummary[] = [];
  for await (const listed of client.schedule.list()) {
    const description = await client.schedule.getHandle(listed.scheduleId).describe();
    const action = description.action;
    const workflowType = action.type === 'startWorkflow' ? action.workflowType : undefined;
    const pipeline = Object.entries(PIPELINES).find(
      ([, entry]) => entry.workflowType === workflowType,
    )?.[0];
    summaries.push({
      id: listed.scheduleId,
      pipeline,
      workflowType,
      paused: description.state.paused,
      note: description.state.note,
      nextRuns: description.info.nextActionTimes.slice(0, 3).map((time) => time.toISOString()),
      recentRuns: description.info.recentActions.slice(-3).map((recent) => ({
        startedAt: recent.takenAt.toISOString(),
        workflowId: recent.action.type === 'startWorkflow' ? recent.action.workflow.workflowId : '',
      })),
    });
  }
  return summaries.sort((a, b) => a.id.localeCompare(b.id));
}
