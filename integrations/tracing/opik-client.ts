// The Opik SDK client, built from the configuration (never from process.env behind our back:
// explicit options win over the SDK's own environment lookup). Its REST client is what traces,
// datasets and experiments go through; requests are not retried by the SDK (Temporal and the
// tracer own retries and drops).
import { Opik } from 'opik';
import type { Config } from '../../config/environment.js';

export type OpikRestClient = Opik['api'];

/** Per-request options: no SDK retries, and a short timeout so a dead receiver costs little. */
export const OPIK_REQUEST_OPTIONS = { maxRetries: 0, timeoutInSeconds: 15 } as const;

export function createOpikClient(settings: Config['opik']): Opik {
  return new Opik({
    ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
    ...(settings.url === undefined ? {} : { apiUrl: settings.url }),
    ...(settings.workspace === undefined ? {} : { workspaceName: settings.workspace }),
    projectName: settings.projectName,
  });
}
