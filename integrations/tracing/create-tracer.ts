// The worker's tracer: MongoDB always (the web UI reads it), Opik too when configured. An Opik
// client that cannot be built (e.g. Comet cloud without a workspace) is reported and skipped.
import type { Db } from 'mongodb';
import type { Config } from '../../config/environment.js';
import { createMongoTraceExporter } from './mongo-trace-store.js';
import { createOpikClient } from './opik-client.js';
import { createOpikTraceExporter } from './opik-trace-exporter.js';
import { createTracer, type TraceExporter, type Tracer } from './tracer.js';

export function createConfiguredTracer(
  config: Config,
  db: Db,
  warn: (message: string, meta?: Record<string, unknown>) => void,
): Tracer {
  const exporters: TraceExporter[] = [createMongoTraceExporter(db)];
  if (config.opik.enabled) {
    try {
      exporters.push(
        createOpikTraceExporter(createOpikClient(config.opik), config.opik.projectName),
      );
    } catch (error) {
      warn('Opik is configured but its client could not be created; traces stay in MongoDB', {
        error: (error as Error).message,
      });
    }
  }
  return createTracer({ exporters, warn });
}
