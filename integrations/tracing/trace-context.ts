// Which trace the code running now belongs to. The worker's tracing interceptor opens a scope
// around every activity (its workflow, run and activity ids, and the activity's own span); the
// tracing decorators of the chat model and the retriever read it, so no activity has to pass
// trace ids around. Outside an activity there is no scope and nothing is traced.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  stableUuidV7,
  type SpanKind,
  type SpanOrigin,
  type TraceInfo,
} from '../../domain/tracing.js';

export interface TraceScope {
  trace: TraceInfo;
  /** The activity's span: the parent of every span recorded inside it. */
  spanId: string;
  /** The key the activity span's id was derived from; child keys extend it. */
  spanKey: string;
  /** The time part of derived ids (the run's start), identical for every attempt. */
  idTime: number;
  origin: SpanOrigin;
  /** Spans recorded inside this scope so far (their position gives stable child ids). */
  children: number;
}

const storage = new AsyncLocalStorage<TraceScope>();

export function currentTraceScope(): TraceScope | undefined {
  return storage.getStore();
}

export function runInTraceScope<T>(scope: TraceScope, work: () => T): T {
  return storage.run(scope, work);
}

/**
 * The id of the next span inside the current scope. Calls inside one activity happen in the
 * same order on every attempt, so the n-th call of an attempt gets the n-th call's id.
 */
export function nextChildSpan(
  scope: TraceScope,
  kind: SpanKind,
): { spanId: string; parentSpanId: string; traceId: string } {
  const position = scope.children++;
  return {
    spanId: stableUuidV7(`${scope.spanKey}|${kind}|${position}`, scope.idTime),
    parentSpanId: scope.spanId,
    traceId: scope.trace.traceId,
  };
}
