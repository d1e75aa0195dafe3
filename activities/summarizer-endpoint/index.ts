// Activities of the summarizer endpoint pipeline (workflow summarizerEndpoint): find what to
// serve (the newest registered model), create or resume the Inference Endpoint, watch it until
// it runs (heartbeating, failing clearly when it fails), read how long it has been idle, and
// pause it. Every state seen is written to inference_endpoints
// (integrations/mongo/stores/inference-endpoints.ts).
import { awaitEndpointRunning } from './await-endpoint-running.js';
import { checkEndpointIdle } from './check-endpoint-idle.js';
import type { SummarizerEndpointDependencies } from './dependencies.js';
import { describeEndpoint } from './describe-endpoint.js';
import { ensureEndpoint } from './ensure-endpoint.js';
import { pauseEndpoint } from './pause-endpoint.js';
import { resolveEndpointTarget } from './resolve-endpoint-target.js';

export type { SummarizerEndpointDependencies } from './dependencies.js';

export function createSummarizerEndpointActivities(dependencies: SummarizerEndpointDependencies) {
  return {
    resolveEndpointTarget: resolveEndpointTarget(dependencies),
    describeEndpoint: describeEndpoint(dependencies),
    ensureEndpoint: ensureEndpoint(dependencies),
    awaitEndpointRunning: awaitEndpointRunning(dependencies),
    checkEndpointIdle: checkEndpointIdle(dependencies),
    pauseEndpoint: pauseEndpoint(dependencies),
  };
}
