// The shape of every long workflow's `progress` query, and a normalizer that also accepts the
// map form ({ crawl: { done, failed, pending } }), so the CLI renders any pipeline's progress.

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
