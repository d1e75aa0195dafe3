// The tracer hands each finished span to its exporters (MongoDB always, Opik when configured).
// Tracing must never fail or stall the work it observes: record() returns at once, exporter
// errors are logged and dropped, and settle() waits for pending writes only up to a limit.
import type { SpanRecord, TraceInfo } from '../../domain/tracing.js';

export interface TraceExporter {
  readonly name: string;
  /** Stores (or queues) one span and the trace it belongs to; idempotent per span id. */
  export(span: SpanRecord, trace: TraceInfo): Promise<void>;
  /** Sends whatever is queued. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface Tracer {
  /** Records a span in the background; never throws. */
  record(span: SpanRecord, trace: TraceInfo): void;
  /** Waits for recorded spans to be written, at most `timeoutMs`. */
  settle(timeoutMs?: number): Promise<void>;
  /** Flushes every exporter (bounded) and closes them. */
  close(): Promise<void>;
  readonly exporters: readonly TraceExporter[];
}

export interface TracerOptions {
  exporters: TraceExporter[];
  /** Where dropped spans are reported (a worker passes Temporal's logger). */
  warn?: (message: string, meta?: Record<string, unknown>) => void;
}

const DEFAULT_SETTLE_MS = 1_000;
const CLOSE_FLUSH_MS = 5_000;

function within(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createTracer(options: TracerOptions): Tracer {
  const pending = new Set<Promise<void>>();
  const warned = new Set<string>();
  const warn = (exporter: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    // One warning per exporter and problem: an unreachable receiver must not flood the logs.
    const key = `${exporter}:${message}`;
    if (warned.has(key)) return;
    warned.add(key);
    options.warn?.(`Trace export to ${exporter} failed; the span is dropped`, { error: message });
  };
  return {
    exporters: options.exporters,
    record(span, trace) {
      for (const exporter of options.exporters) {
        let write: Promise<void>;
        try {
          write = exporter
            .export(span, trace)
            .catch((error: unknown) => warn(exporter.name, error));
        } catch (error) {
          warn(exporter.name, error);
          continue;
        }
        pending.add(write);
        void write.finally(() => pending.delete(write));
      }
    },
    async settle(timeoutMs = DEFAULT_SETTLE_MS) {
      if (pending.size === 0) return;
      await within(Promise.all([...pending]), timeoutMs);
    },
    async close() {
      await within(Promise.all([...pending]), CLOSE_FLUSH_MS);
      for (const exporter of options.exporters) {
        await within(
          exporter.flush().catch((error: unknown) => warn(exporter.name, error)),
          CLOSE_FLUSH_MS,
        );
        await within(
          exporter.close().catch((error: unknown) => warn(exporter.name, error)),
          CLOSE_FLUSH_MS,
        );
      }
    },
  };
}

/** A tracer that records nothing (code paths that run without a worker, e.g. benchmarks). */
export const NO_TRACER: Tracer = {
  exporters: [],
  record() {},
  settle: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
