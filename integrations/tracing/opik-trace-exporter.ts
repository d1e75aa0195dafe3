// Exports spans to Opik through the SDK's REST client (POST /v1/private/traces/batch and
// /v1/private/spans/batch). Spans are batched for a short moment like the SDK's own queues do,
// but sent here, so a failed batch is reported to the tracer (which logs it once and drops it)
// instead of being printed with its content by the SDK's logger.
import type { Opik } from 'opik';
import type { SpanRecord, TraceInfo } from '../../domain/tracing.js';
import { OPIK_REQUEST_OPTIONS } from './opik-client.js';
import type { TraceExporter } from './tracer.js';

type TraceWrite = Parameters<Opik['api']['traces']['createTraces']>[0]['traces'][number];
type SpanWrite = Parameters<Opik['api']['spans']['createSpans']>[0]['spans'][number];
type JsonValue = TraceWrite['input'];

const BATCH_DELAY_MS = 300;
const MAX_BATCH = 500;

/** Opik stores input, output and metadata as JSON objects: wrap anything else. */
function asJson(value: unknown): JsonValue {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') return value as Record<string, unknown>;
  return { value };
}

const SPAN_TYPES = { llm: 'llm', tool: 'tool', retrieval: 'tool', activity: 'general' } as const;

function traceWrite(trace: TraceInfo, span: SpanRecord, projectName: string): TraceWrite {
  return {
    id: trace.traceId,
    projectName,
    name: trace.name,
    startTime: trace.startTime,
    // The latest span's end: every export re-sends the trace, so the last one wins.
    endTime: span.endTime,
    input: asJson(trace.input),
    output: asJson(trace.output),
    metadata: asJson({ ...trace.metadata, key: trace.key }),
    tags: trace.tags,
    ...(trace.turnId ? { threadId: String(trace.metadata.conversationId ?? trace.turnId) } : {}),
    source: 'sdk',
  };
}

function spanWrite(span: SpanRecord, projectName: string): SpanWrite {
  return {
    id: span.spanId,
    traceId: span.traceId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    projectName,
    name: span.name,
    type: SPAN_TYPES[span.kind],
    startTime: span.startTime,
    endTime: span.endTime,
    input: asJson(span.input),
    output: asJson(span.output),
    metadata: asJson({
      ...span.origin,
      kind: span.kind,
      durationMs: span.durationMs,
      ...(span.cached === undefined ? {} : { cached: span.cached }),
    }),
    ...(span.model ? { model: span.model } : {}),
    ...(span.provider ? { provider: span.provider } : {}),
    ...(span.usage
      ? {
          usage: {
            prompt_tokens: span.usage.promptTokens,
            completion_tokens: span.usage.completionTokens,
            total_tokens: span.usage.totalTokens,
          },
        }
      : {}),
    ...(span.costUsd === undefined ? {} : { totalEstimatedCost: span.costUsd }),
    ...(span.error
      ? { errorInfo: { exceptionType: 'Error', message: span.error, traceback: span.error } }
      : {}),
    source: 'sdk',
  };
}

export function createOpikTraceExporter(client: Opik, projectName: string): TraceExporter {
  let traces = new Map<string, TraceWrite>();
  let spans = new Map<string, SpanWrite>();
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let sending = Promise.resolve();
  const firstSeen = new Map<string, Date>();

  async function send(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = { traces: [...traces.values()], spans: [...spans.values()], waiting };
    traces = new Map();
    spans = new Map();
    waiting = [];
    if (batch.traces.length === 0 && batch.spans.length === 0) return;
    // Traces first: Opik shows spans under their trace.
    try {
      for (let start = 0; start < batch.traces.length; start += MAX_BATCH)
        await client.api.traces.createTraces(
          { traces: batch.traces.slice(start, start + MAX_BATCH) },
          OPIK_REQUEST_OPTIONS,
        );
      for (let start = 0; start < batch.spans.length; start += MAX_BATCH)
        await client.api.spans.createSpans(
          { spans: batch.spans.slice(start, start + MAX_BATCH) },
          OPIK_REQUEST_OPTIONS,
        );
      for (const waiter of batch.waiting) waiter.resolve();
    } catch (error) {
      for (const waiter of batch.waiting) waiter.reject(error);
    }
  }

  function flushQueued(): Promise<void> {
    sending = sending.then(send);
    return sending;
  }

  return {
    name: 'Opik',
    export(span, trace) {
      // Opik keeps the last version of a trace: it must start at the earliest span seen here,
      // and a later span must not erase an input or output an earlier one carried.
      const known = firstSeen.get(trace.traceId);
      const startTime = known && known < trace.startTime ? known : trace.startTime;
      if (firstSeen.size > 10_000) firstSeen.clear();
      firstSeen.set(trace.traceId, startTime);
      const write = traceWrite({ ...trace, startTime }, span, projectName);
      const queued = traces.get(trace.traceId);
      traces.set(trace.traceId, {
        ...write,
        input: write.input ?? queued?.input,
        output: write.output ?? queued?.output,
      });
      spans.set(span.spanId, spanWrite(span, projectName));
      const done = new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
      if (spans.size >= MAX_BATCH) void flushQueued();
      else if (!timer) {
        timer = setTimeout(() => void flushQueued(), BATCH_DELAY_MS);
        timer.unref();
      }
      return done;
    },
    flush: () => flushQueued(),
    close: () => flushQueued(),
  };
}
