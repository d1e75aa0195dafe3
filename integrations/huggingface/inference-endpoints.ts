// The Hugging Face Inference Endpoints REST API (api.endpoints.huggingface.cloud/v2), through
// fetch: no official JavaScript client manages endpoints. The shapes follow the API (and
// huggingface_hub's InferenceEndpoint, which reads the same JSON):
//
//   POST /v2/endpoint/{namespace}                 create: {name, type, provider, compute, model}
//   GET  /v2/endpoint/{namespace}/{name}          the endpoint, with status.state and status.url
//   PUT  /v2/endpoint/{namespace}/{name}          update (here: the model's repository/revision)
//   POST /v2/endpoint/{namespace}/{name}/pause    stop billing; only a resume starts it again
//   POST /v2/endpoint/{namespace}/{name}/resume   400 "already running" when it runs
//
// Errors map to the platform's taxonomy: 401/403 auth, 404 notFound, 429 rateLimited (with
// Retry-After), 5xx and network failures transient.
import {
  errorForHttpStatus,
  isTransientNetworkError,
  SecondBrainError,
} from '../../domain/errors.js';
import type { EndpointState } from '../../domain/summarizer-endpoint.js';

/** The part of the API's endpoint JSON this platform reads. */
export interface InferenceEndpointDescription {
  name: string;
  type: string;
  provider: { vendor: string; region: string };
  compute: {
    accelerator: string;
    instanceType: string;
    instanceSize: string;
    scaling: { minReplica: number; maxReplica: number; scaleToZeroTimeout?: number | null };
  };
  model: {
    repository: string;
    revision?: string | null;
    framework: string;
    task?: string | null;
    image: Record<string, unknown>;
  };
  status: {
    state: EndpointState;
    message?: string | null;
    url?: string | null;
    createdAt: string;
    updatedAt: string;
  };
  healthRoute?: string;
}

export interface CreateEndpointRequest {
  name: string;
  type: 'protected' | 'public' | 'private' | 'authenticated';
  provider: { vendor: string; region: string };
  compute: {
    accelerator: string;
    instanceType: string;
    instanceSize: string;
    scaling: { minReplica: number; maxReplica: number; scaleToZeroTimeout?: number };
  };
  model: {
    repository: string;
    revision?: string;
    framework: string;
    task: string;
    image: Record<string, unknown>;
  };
}

export interface InferenceEndpointsClient {
  /** undefined when the endpoint does not exist. */
  get(namespace: string, name: string): Promise<InferenceEndpointDescription | undefined>;
  create(namespace: string, request: CreateEndpointRequest): Promise<InferenceEndpointDescription>;
  update(
    namespace: string,
    name: string,
    changes: { model: Partial<CreateEndpointRequest['model']> },
  ): Promise<InferenceEndpointDescription>;
  pause(namespace: string, name: string): Promise<InferenceEndpointDescription>;
  /** Resumes a paused (or scaled-to-zero) endpoint; one that already runs is returned as is. */
  resume(namespace: string, name: string): Promise<InferenceEndpointDescription>;
}

export function createInferenceEndpointsClient(options: {
  /** https://api.endpoints.huggingface.cloud, or an emulator. */
  apiUrl: string;
  token: string | undefined;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): InferenceEndpointsClient {
  const base = `${options.apiUrl.replace(/\/+$/, '')}/v2/endpoint`;
  const doFetch = options.fetch ?? fetch;

  interface ApiAnswer {
    status: number;
    json: unknown;
    text: string;
    retryAfter: string | null;
  }

  async function call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    if (options.token === undefined) {
      throw new SecondBrainError(
        'auth',
        'HF_TOKEN is not set: the Inference Endpoints API needs a token with write access',
      );
    }
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      // No answer at all (refused, reset, timed out): the service may be back in a moment.
      throw new SecondBrainError(
        'transient',
        `Inference Endpoints API ${method} ${path}: ${(error as Error).message}`,
        { cause: error, details: { network: isTransientNetworkError(error) } },
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, retryAfter: response.headers.get('retry-after') };
  }

  function failure(method: string, path: string, answer: ApiAnswer): SecondBrainError {
    const body = answer.json as { error?: string; message?: string } | undefined;
    const detail = body?.error ?? body?.message ?? answer.text.slice(0, 300);
    return errorForHttpStatus(
      answer.status,
      `Inference Endpoints API ${method} ${path} answered ${answer.status}: ${detail}`,
      { retryAfter: answer.retryAfter, details: { endpointPath: path } },
    );
  }

  const ok = (answer: ApiAnswer) => answer.status >= 200 && answer.status < 300;

  async function request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<InferenceEndpointDescription> {
    const answer = await call(method, path, body);
    if (ok(answer)) return answer.json as InferenceEndpointDescription;
    throw failure(method, path, answer);
  }

  const endpointPath = (namespace: string, name: string) =>
    `/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

  const client: InferenceEndpointsClient = {
    async get(namespace, name) {
      const path = endpointPath(namespace, name);
      const answer = await call('GET', path);
      if (answer.status === 404) return undefined;
      if (ok(answer)) return answer.json as InferenceEndpointDescription;
      throw failure('GET', path, answer);
    },
    create(namespace, body) {
      return request('POST', `/${encodeURIComponent(namespace)}`, body);
    },
    update(namespace, name, changes) {
      return request('PUT', endpointPath(namespace, name), changes);
    },
    pause(namespace, name) {
      return request('POST', `${endpointPath(namespace, name)}/pause`);
    },
    async resume(namespace, name) {
      const path = `${endpointPath(namespace, name)}/resume`;
      const answer = await call('POST', path);
      if (ok(answer)) return answer.json as InferenceEndpointDescription;
      // The API refuses to resume a running endpoint; huggingface_hub's running_ok reads it back.
      if (answer.status === 400 && /already running/i.test(answer.text)) {
        const current = await client.get(namespace, name);
        if (current) return current;
      }
      throw failure('POST', path, answer);
    },
  };
  return client;
}
