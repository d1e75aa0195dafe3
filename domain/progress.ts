// The shape of every long workflow's `progress` query, and a normalizer that also accepts the
// map form ({ crawl: { done, failed, pending } }), so the CLI renders any pipeline's progress.
import { z } from 'zod';

export interface StageProgress {
  stage: string;
  done: number;
  failed: number;
  pending: number;
  /** done + failed + pending when known; undefined while a stage is still discovering work. */
  total?: number;
}

export interface PipelineProgress {
  stages: StageProgress[];
}

export const PROGRESS_QUERY = 'progress';

function toCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function toStage(stage: string, value: unknown): StageProgress | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const done = toCount(record.done);
  const failed = toCount(record.failed);
  const pending = toCount(record.pending);
  const total = typeof record.total === 'number' ? record.total : done + failed + pending;
  return { stage, done, failed, pending, total };
}

/** Accepts {stages: [...]}, {stages: {name: counts}} or {name: counts}; ignores anything else. */
export function normalizeProgress(value: unknown): PipelineProgress {
  if (typeof value !== 'object' || value === null) return { stages: [] };
  const container = (value as { stages?: unknown }).stages ?? value;
  if (Array.isArray(container)) {
    return {
      stages: container.flatMap((entry: unknown) => {
        const name =
          (entry as { stage?: unknown; name?: unknown })?.stage ??
          (entry as { name?: unknown })?.name;
        const stage = typeof name === 'string' ? toStage(name, entry) : undefined;
        return stage ? [stage] : [];
      }),
    };
  }
  return {
    stages: Object.entries(container as Record<string, unknown>).flatMap(([name, entry]) => {
      const stage = toStage(name, entry);
      return stage ? [stage] : [];
    }),
  };
}

/**
 * What a running activity reports of its own share of a stage, in its heartbeat details
 * (`progress`): the workflow counts an activity's pages only once it completes, so a stage
 * done in a few large activities would otherwise move in jumps. Clients read it from the
 * workflow's pending activities (describe) and add it to the workflow's own counts.
 */
export const activityProgressSchema = z.object({
  stage: z.string().min(1).max(100),
  done: z.number().int().min(0),
  failed: z.number().int().min(0),
});

export type ActivityProgress = z.infer<typeof activityProgressSchema>;

/** The `progress` of one pending activity's heartbeat details, if it reports one. */
export function activityProgressOf(heartbeatDetails: unknown): ActivityProgress | undefined {
  const parsed = activityProgressSchema.safeParse(
    (heartbeatDetails as { progress?: unknown } | null | undefined)?.progress,
  );
  return parsed.success ? parsed.data : undefined;
}

/**
 * A workflow's `progress` answer (the map form, `{ crawl: { done, failed, pending, total } }`)
 * with the work of its running activities added to their stages: done and failed grow,
 * pending shrinks by as much (never below zero). Stages not in the answer are left out.
 */
export function withActivityProgress(
  progress: unknown,
  running: readonly ActivityProgress[],
): unknown {
  if (running.length === 0 || typeof progress !== 'object' || progress === null) return progress;
  const merged: Record<string, unknown> = { ...(progress as Record<string, unknown>) };
  for (const activity of running) {
    const stage = merged[activity.stage];
    if (typeof stage !== 'object' || stage === null) continue;
    const counts = stage as Record<string, unknown>;
    merged[activity.stage] = {
      ...counts,
      done: toCount(counts.done) + activity.done,
      failed: toCount(counts.failed) + activity.failed,
      pending: Math.max(0, toCount(counts.pending) - activity.done - activity.failed),
    };
  }
  return merged;
}
