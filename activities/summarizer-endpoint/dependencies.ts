// What the summarizer endpoint activities are built from (the worker's composition root passes
// these), and the one lookup they all share: describe an endpoint and remember what was seen.
import type { Config } from '../../config/environment.js';
import type { EndpointSnapshot } from '../../domain/summarizer-endpoint.js';
import type {
  InferenceEndpointDescription,
  InferenceEndpointsClient,
} from '../../integrations/huggingface/inference-endpoints.js';
import type { EndpointUsage } from '../../integrations/llm/endpoint-usage.js';
import type { InferenceEndpointStore } from '../../integrations/mongo/stores/inference-endpoints.js';
import type { ModelRegistry } from '../../integrations/mongo/stores/model-registry.js';

export interface SummarizerEndpointDependencies {
  config: Pick<Config, 'summarizer' | 'huggingFaceHub' | 'training'>;
  client: InferenceEndpointsClient;
  endpoints: InferenceEndpointStore;
  /** Read for the newest model when the input names none. */
  modelRegistry: Pick<ModelRegistry, 'newest'>;
  /** When a summarizer last called the endpoint: the idle timer's input. */
  endpointUsage: EndpointUsage;
}

export function snapshotOf(
  namespace: string,
  endpoint: InferenceEndpointDescription,
): EndpointSnapshot {
  return {
    namespace,
    name: endpoint.name,
    state: endpoint.status.state,
    url: endpoint.status.url ?? null,
    repository: endpoint.model.repository,
    revision: endpoint.model.revision ?? null,
    message: endpoint.status.message ?? null,
  };
}

/** The endpoint as it is now (remembered in inference_endpoints); null when it does not exist. */
export async function describe(
  { client, endpoints }: Pick<SummarizerEndpointDependencies, 'client' | 'endpoints'>,
  namespace: string,
  name: string,
): Promise<EndpointSnapshot | null> {
  const endpoint = await client.get(namespace, name);
  if (!endpoint) return null;
  const snapshot = snapshotOf(namespace, endpoint);
  await endpoints.remember(snapshot);
  return snapshot;
}
