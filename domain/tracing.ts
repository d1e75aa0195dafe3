// What a trace is made of, as plain data: one trace per agent turn (or per offline workflow run)
// and spans for each activity, LLM call, tool call and retrieval inside it. Ids are derived
// from stable keys (workflow, run, activity, position), because activities run at least once:
// a retried attempt writes the same span again instead of a second one.
import { redactSecrets } from './secret-redaction.js';
import { createHash } from 'node:crypto';

export type SpanKind = 'activity' | 'llm' | 'tool' | 'retrieval';

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Where a span ran: the Temporal coordinates every span carries as metadata. */
export interface SpanOrigin {
  workflowId: string;
  workflowType: string;
  runId: string;
  activityId: string;
  activityType: string;
  attempt: number;
}

export interface TraceInfo {
  traceId: string;
  /** What the id was derived from: `turn:<turnId>` or `workflow:<workflowId>`. */
  key: string;
  name: string;
  startTime: Date;
  tags: string[];
  metadata: Record<string, string | number>;
  /** The question of an agent turn, or the workflow's type. */
  input?: unknown;
  /** The answer of an agent turn, set by the activity that finishes it. */
  output?: unknown;
  /** The agent turn this trace belongs to, so the UI finds it from an answer. */
  turnId?: string;
}

export interface SpanRecord {
  spanId: string;
  traceId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKind;
  startTime: Date;
  endTime: Date;
  durationMs: number;
  input?: unknown;
  output?: unknown;
  model?: string;
  provider?: string;
  usage?: TokenCounts;
  /** Estimated cost in US dollars; undefined when the model's price is unknown. */
  costUsd?: number;
  /** True when the LLM reply came from the response cache (no model call was paid). */
  cached?: boolean;
  error?: string;
  origin: SpanOrigin;
}

/**
 * A version 7 UUID (what Opik requires for trace and span ids) that is a pure function of a key:
 * the 48-bit timestamp is `timeMs` (the workflow run's start, the same for every attempt) and
 * the remaining bits come from a sha256 of the key.
 */
export function stableUuidV7(key: string, timeMs: number): string {
  const hash = createHash('sha256').update(key).digest();
  const bytes = Buffer.alloc(16);
  const time = BigInt(Math.max(0, Math.floor(timeMs))) & 0xffffffffffffn;
  for (let index = 0; index < 6; index++)
    bytes[index] = Number((time >> BigInt(8 * (5 - index))) & 0xffn);
  hash.copy(bytes, 6, 0, 10);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp of a version 7 UUID (Temporal's run ids are), else undefined. */
export function uuidV7Time(id: string): number | undefined {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.exec(
    id,
  );
  if (!match) return undefined;
  return Number.parseInt(`${match[1]}${match[2]}`, 16);
}

/**
 * A stable timestamp for ids derived from a run: the run id's own time when it is a v7 UUID,
 * otherwise a fixed point derived from the run id (the same for every attempt).
 */
export function runTimestamp(runId: string): number {
  const time = uuidV7Time(runId);
  if (time !== undefined) return time;
  const hash = createHash('sha256').update(runId).digest();
  // Somewhere in 2024, so ids still sort sensibly next to real v7 ids.
  return 1_704_067_200_000 + (hash.readUInt32BE(0) % 31_536_000_000);
}

/** US dollars per million tokens (input, output) of hosted models; local models cost nothing. */
const PRICES_PER_MILLION: Record<string, [number, number]> = {
  'gpt-4o-mini': [0.15, 0.6],
  'gpt-4o': [2.5, 10],
  'gpt-4.1': [2, 8],
  'gpt-4.1-mini': [0.4, 1.6],
  'gpt-4.1-nano': [0.1, 0.4],
  'gpt-5': [1.25, 10],
  'gpt-5-mini': [0.25, 2],
  'gpt-5-nano': [0.05, 0.4],
  'o4-mini': [1.1, 4.4],
};

/**
 * An estimate of a call's cost: 0 for the local provider, the list price for known hosted
 * models (dated snapshots such as gpt-4o-mini-2024-07-18 match their base name), else undefined.
 */
export function estimateCostUsd(
  provider: string,
  model: string,
  usage: { promptTokens: number; completionTokens: number },
): number | undefined {
  if (provider === 'local') return 0;
  const name = model.toLowerCase().replace(/^.*\//, '');
  const match = Object.keys(PRICES_PER_MILLION)
    .filter((known) => name === known || name.startsWith(`${known}-20`))
    .sort((a, b) => b.length - a.length)[0];
  if (!match) return undefined;
  const [input, output] = PRICES_PER_MILLION[match]!;
  return (usage.promptTokens * input + usage.completionTokens * output) / 1_000_000;
}

/** An error's message, for a span (errors may be anything a library threw). */
export function errorMessage(error: unknown): string {
  // A raw SDK error (not yet a SecondBrainError) can carry a token its server echoed.
  if (error instanceof Error) return redactSecrets(error.message);
  if (typeof error === 'string') return redactSecrets(error);
  try {
    return redactSecrets(JSON.stringify(error) ?? 'unknown error');
  } catch {
    return 'unknown error';
  }
}

/** Bounds a value for storage: long strings are cut, deep or large structures summarized. */
export function boundForTrace(value: unknown, maxChars = 4_000): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string')
    return value.length > maxChars
      ? `${value.slice(0, maxChars)}… [${value.length - maxChars} more characters]`
      : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return '[unserializable]';
  }
  if (text === undefined) return undefined;
  if (text.length <= maxChars) return JSON.parse(text) as unknown;
  return `${text.slice(0, maxChars)}… [${text.length - maxChars} more characters]`;
}

export interface TraceSummary {
  spans: number;
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  durationMs: number;
}

/** Totals over a trace's spans, computed when read (so retried writes never double-count). */
export function summarizeSpans(spans: readonly SpanRecord[]): TraceSummary {
  const llm = spans.filter((span) => span.kind === 'llm');
  const costs = llm.map((span) => span.costUsd);
  const start = Math.min(...spans.map((span) => span.startTime.getTime()));
  const end = Math.max(...spans.map((span) => span.endTime.getTime()));
  return {
    spans: spans.length,
    llmCalls: llm.length,
    promptTokens: llm.reduce((sum, span) => sum + (span.usage?.promptTokens ?? 0), 0),
    completionTokens: llm.reduce((sum, span) => sum + (span.usage?.completionTokens ?? 0), 0),
    costUsd: costs.some((cost) => cost === undefined)
      ? null
      : costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0),
    durationMs: spans.length === 0 ? 0 : end - start,
  };
}
