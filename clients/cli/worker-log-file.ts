// Where the in-process workers' logs go during `start`: the Temporal SDK (its core's warnings,
// such as "Workflow task duration exceeded", are forwarded to the same logger) and the
// activities' `log` write to a file under the data directory, so the console keeps the steps,
// the progress, the URLs and the errors the command itself reports.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';

function formatMeta(meta: LogEntry['meta']): string {
  if (!meta || Object.keys(meta).length === 0) return '';
  try {
    return ` ${JSON.stringify(meta, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    )}`;
  } catch {
    return ' [unserializable metadata]';
  }
}

/**
 * A logger appending one line per entry to `file`. Appends are synchronous: the process may
 * exit right after a signal, and a buffered stream would lose the last lines, which are the
 * ones that explain the exit.
 */
export function createFileLogger(file: string, level: LogLevel): DefaultLogger {
  mkdirSync(path.dirname(file), { recursive: true });
  return new DefaultLogger(level, (entry) => {
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    try {
      appendFileSync(file, `${time} ${entry.level} ${entry.message}${formatMeta(entry.meta)}\n`);
    } catch {
      // A full or vanished disk must not take the workers down with it.
    }
  });
}
