// The schedules file (schedules.json): which pipelines run when. Validated with zod so a typo
// is named with its place in the file rather than surfacing as a server error.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PIPELINE_NAMES, resolvePipelineName } from './names.js';

const durationPattern = /^\d+\s*(ms|s|seconds?|m|minutes?|h|hours?|d|days?)$/;

export const scheduleDefinitionSchema = z
  .object({
    /** The schedule id in Temporal; stable, so `apply` updates instead of duplicating. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
    /** A pipeline name; an old alias (eval, train, endpoint) is read as the name it stands for. */
    pipeline: z
      .string()
      .refine((name) => resolvePipelineName(name) !== undefined, {
        message: `must be one of: ${PIPELINE_NAMES.join(', ')}`,
      })
      .transform((name) => resolvePipelineName(name)!),
    /** Standard cron (minute hour day-of-month month day-of-week), evaluated in UTC. */
    cron: z.string().min(9),
    input: z.record(z.string(), z.unknown()).default({}),
    /** What to do when the previous run is still going: skip by default, never pile up. */
    overlap: z
      .enum(['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'])
      .default('SKIP'),
    /** After an outage, missed runs within this window are still taken. */
    catchupWindow: z
      .string()
      .regex(durationPattern, 'must be a duration such as "1 hour" or "30m"')
      .default('1 hour'),
    paused: z.boolean().default(false),
    note: z.string().default(''),
    /** Overrides the pipeline's task queue (tests and dedicated workers). */
    taskQueue: z.string().optional(),
  })
  .strict();

export const scheduleFileSchema = z
  .object({
    schedules: z.array(scheduleDefinitionSchema),
  })
  .strict()
  .refine(
    (file) => new Set(file.schedules.map((entry) => entry.id)).size === file.schedules.length,
    {
      message: 'schedule ids must be unique',
    },
  );

export type ScheduleDefinition = z.infer<typeof scheduleDefinitionSchema>;

/** A hash of everything `apply` sets, so an unchanged definition is recognised and left alone. */
export function scheduleFingerprint(definition: ScheduleDefinition): string {
  const { note: _note, paused: _paused, ...shape } = definition;
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}
