// Faults for the reliability suite, applied to a private TestInfrastructure: stop a server
// for a while, or restart it on the same data, exactly as an outage or a redeploy would.
import { setTimeout as delay } from 'node:timers/promises';
import { infrastructureUp, type ServiceName } from '../../infra/local-infrastructure.js';
import { processLayout, stopManaged } from '../../infra/managed-process.js';
import type { TestInfrastructure } from './test-infrastructure.js';

export async function stopService(
  infrastructure: TestInfrastructure,
  service: ServiceName,
): Promise<void> {
  const stopped = await stopManaged(
    processLayout(infrastructure.config.dataDirectory),
    service,
    5_000,
  );
  if (!stopped) throw new Error(`${service} was not running under ${infrastructure.dataDirectory}`);
}

/** Starts whatever is down again, on the same ports and data. */
export async function startServices(infrastructure: TestInfrastructure): Promise<void> {
  await infrastructureUp(infrastructure.config, () => undefined);
}

/** Takes a server away for `outageMs`, then brings it back on the same data. */
export async function outage(
  infrastructure: TestInfrastructure,
  service: ServiceName,
  outageMs: number,
): Promise<void> {
  await stopService(infrastructure, service);
  await delay(outageMs);
  await startServices(infrastructure);
}
