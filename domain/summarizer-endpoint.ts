// The summarizer endpoint pipeline's pure parts: the Inference Endpoint states, the small view
// of an endpoint its workflow keeps in history, and the error a failed endpoint becomes.
import { SecondBrainError } from './errors.js';

/** status.state values of the Inference Endpoints API (huggingface_hub's InferenceEndpointStatus). */
export const ENDPOINT_STATES = [
  'pending',
  'initializing',
  'updating',
  'updateFailed',
  'running',
  'paused',
  'failed',
  'scaledToZero',
] as const;

export type EndpointState = (typeof ENDPOINT_STATES)[number];

/** States an endpoint does not leave without someone fixing it. */
export const FAILED_ENDPOINT_STATES: readonly EndpointState[] = ['failed', 'updateFailed'];

/** What the workflow needs of an endpoint: small, so it fits in history. */
export interface EndpointSnapshot {
  namespace: string;
  name: string;
  state: EndpointState;
  url: string | null;
  repository: string;
  revision: string | null;
  message: string | null;
}

export interface EndpointTarget {
  name: string;
  namespace: string;
  /** null when neither the input nor the registry names a model (fine for an existing endpoint). */
  repository: string | null;
  revision: string | null;
}

export type EndpointChange = 'created' | 'resumed' | 'updated' | 'none';

export function failedEndpointError(snapshot: EndpointSnapshot): SecondBrainError {
  return new SecondBrainError(
    'permanent',
    `Inference Endpoint ${snapshot.namespace}/${snapshot.name} is ${snapshot.state}${snapshot.message ? `: ${snapshot.message}` : ''}. Check its logs in the Inference Endpoints UI, fix the model or instance, then resume or recreate it.`,
    { details: { endpoint: `${snapshot.namespace}/${snapshot.name}`, state: snapshot.state } },
  );
}
