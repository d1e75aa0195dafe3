// Reading a training run from its output: the program prints one JSON object per event on
// stdout (training/train_summarizer.py), among the free-form lines of Unsloth, TRL and CUDA.
// The same parser reads a local child process's output and a Hugging Face Job's logs.

export interface TrainingMetric {
  step: number;
  loss: number;
  learningRate: number | null;
  epoch: number | null;
}

export interface TrainingResultEvent {
  repoId: string | null;
  revision: string | null;
  trainLoss: number | null;
}

export interface DryRunEvent {
  config: Record<string, unknown>;
  counts: Record<string, number>;
  estimatedSteps: number;
  longestSampleChars: number;
  /** What a real run would refuse (e.g. no output repo) but a dry run reports and goes past. */
  warnings: string[];
}

export type TrainingEvent =
  | { event: 'metrics'; metric: TrainingMetric }
  | { event: 'result'; result: TrainingResultEvent }
  | { event: 'dry-run'; dryRun: DryRunEvent };

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The event a log line carries, or undefined for any other line. */
export function parseTrainingLine(line: string): TrainingEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (value.event === 'metrics') {
    const step = finiteOrNull(value.step);
    const loss = finiteOrNull(value.loss);
    if (step === null || loss === null) return undefined;
    return {
      event: 'metrics',
      metric: {
        step,
        loss,
        learningRate: finiteOrNull(value.learningRate),
        epoch: finiteOrNull(value.epoch),
      },
    };
  }
  if (value.event === 'result') {
    return {
      event: 'result',
      result: {
        repoId: typeof value.repoId === 'string' ? value.repoId : null,
        revision: typeof value.revision === 'string' ? value.revision : null,
        trainLoss: finiteOrNull(value.trainLoss),
      },
    };
  }
  if (value.event === 'dry-run') {
    return {
      event: 'dry-run',
      dryRun: {
        config: (value.config ?? {}) as Record<string, unknown>,
        counts: (value.counts ?? {}) as Record<string, number>,
        estimatedSteps: finiteOrNull(value.estimatedSteps) ?? 0,
        longestSampleChars: finiteOrNull(value.longestSampleChars) ?? 0,
        warnings: Array.isArray(value.warnings)
          ? value.warnings.filter((item): item is string => typeof item === 'string')
          : [],
      },
    };
  }
  return undefined;
}

/**
 * Accumulates a run's output line by line. Logs are replayed from the start after a worker
 * restart, so metrics are keyed by step: reading a line twice changes nothing.
 */
export class TrainingOutput {
  private readonly metricsByStep = new Map<number, TrainingMetric>();
  result: TrainingResultEvent | undefined;
  dryRun: DryRunEvent | undefined;
  /** The last lines (anything), for failure messages and classification. */
  readonly tail: string[] = [];

  constructor(private readonly tailSize = 60) {}

  add(line: string): TrainingEvent | undefined {
    if (line.trim() !== '') {
      this.tail.push(line.length > 2_000 ? `${line.slice(0, 2_000)}…` : line);
      if (this.tail.length > this.tailSize) this.tail.shift();
    }
    const event = parseTrainingLine(line);
    if (event?.event === 'metrics') this.metricsByStep.set(event.metric.step, event.metric);
    else if (event?.event === 'result') this.result = event.result;
    else if (event?.event === 'dry-run') this.dryRun = event.dryRun;
    return event;
  }

  get metrics(): TrainingMetric[] {
    return [...this.metricsByStep.values()].sort((a, b) => a.step - b.step);
  }

  get latest(): TrainingMetric | undefined {
    return this.metrics.at(-1);
  }
}

/** Why a job failed, in the terms the workflow acts on. */
export type TrainingFailureKind =
  'outOfMemory' | 'timeout' | 'auth' | 'config' | 'infrastructure' | 'training';

const OUT_OF_MEMORY = /CUDA out of memory|OutOfMemoryError|OOMKilled|out of memory/i;
const TIMEOUT = /timed? ?out|timeout|deadline exceeded/i;
const AUTH =
  /401 Client Error|403 Client Error|Invalid user token|invalid credentials|not authorized|Unauthorized|GatedRepoError|Repository Not Found for url/i;
const CONFIG = /^ConfigError: /m;
/** Failures of the machine, not of the training: a relaunch may well succeed. */
const INFRASTRUCTURE =
  /preempt|node (was )?(lost|drained|terminated)|evicted|ImagePullBackOff|ErrImagePull|failed to pull|no capacity|insufficient capacity|connection reset|Internal Server Error|scheduling failed|NCCL error/i;

/**
 * Classifies a failed job from its status message and last log lines. Order matters: an OOM
 * often ends in a generic traceback, and a timed-out job's logs may mention anything.
 */
export function classifyTrainingFailure(
  statusMessage: string | null | undefined,
  tail: readonly string[],
): TrainingFailureKind {
  const message = statusMessage ?? '';
  const logs = tail.join('\n');
  if (OUT_OF_MEMORY.test(message) || OUT_OF_MEMORY.test(logs)) return 'outOfMemory';
  if (TIMEOUT.test(message)) return 'timeout';
  if (AUTH.test(message) || AUTH.test(logs)) return 'auth';
  if (CONFIG.test(logs)) return 'config';
  if (INFRASTRUCTURE.test(message) || INFRASTRUCTURE.test(logs)) return 'infrastructure';
  return 'training';
}

/** The most telling line of a failure: the last exception line, else the last line. */
export function lastErrorLine(tail: readonly string[]): string | undefined {
  const error = [...tail]
    .reverse()
    .find((line) => /(Error|Exception)(:|$)|^ConfigError/.test(line.trim()));
  return (error ?? tail.at(-1))?.trim();
}
