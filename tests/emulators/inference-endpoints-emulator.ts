// A local HTTP emulator of the Hugging Face Inference Endpoints REST API (the shapes that
// api.endpoints.huggingface.cloud/v2 and huggingface_hub's InferenceEndpoint use):
//
//   POST /v2/endpoint/{ns}                {name, type, provider, compute, model} -> endpoint; 409 when it exists
//   GET  /v2/endpoint/{ns}/{name}         endpoint: {name, type, provider, compute, model, status: {state, url, message, createdAt, updatedAt}, healthRoute}
//   PUT  /v2/endpoint/{ns}/{name}         {model: {...}} -> endpoint (state updating)
//   POST /v2/endpoint/{ns}/{name}/pause   endpoint (state paused)
//   POST /v2/endpoint/{ns}/{name}/resume  endpoint (state pending); 400 "already running" when running
//
// Every call needs `Authorization: Bearer <token>` (401 otherwise). States progress as the API
// is polled: pending -> initializing -> running (or updating -> running), one stage per
// `pollsPerStage` GETs; `failNext` makes the next start end in `failed`, `rateLimitNext`
// answers 429 with Retry-After. The endpoint itself is served under the emulator too:
// {status.url}/v1/completions answers like TGI while running and 503 otherwise, so the real
// summarizer (OpenAI SDK) can call it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatedEndpoint {
  namespace: string;
  name: string;
  type: string;
  provider: { vendor: string; region: string };
  compute: Record<string, unknown>;
  model: {
    repository: string;
    revision: string | null;
    framework: string;
    task: string;
    image: Record<string, unknown>;
  };
  state: string;
  message: string | null;
  url: string | null;
  createdAt: string;
  updatedAt: string;
  /** GETs seen in the current state (drives the progression). */
  pollsInState: number;
  /** The start in progress ends in `failed` with this message. */
  failWith?: string;
  /** Completions served. */
  completions: number;
}

export interface InferenceEndpointsEmulator {
  url: string;
  endpoints: Map<string, EmulatedEndpoint>;
  requests: { method: string; path: string }[];
  /** Adds an endpoint in a given state (e.g. an existing paused one). */
  seed(endpoint: {
    namespace: string;
    name: string;
    repository: string;
    revision?: string;
    state: string;
  }): EmulatedEndpoint;
  /** The next endpoint that starts (create or resume) fails with this message. */
  failNext(message: string): void;
  /** Answers the next `count` API calls with 429 and Retry-After. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

const TRANSITIONS: Record<string, string> = {
  pending: 'initializing',
  initializing: 'running',
  updating: 'running',
};

function send(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export async function startInferenceEndpointsEmulator(options: {
  token: string;
  pollsPerStage?: number;
}): Promise<InferenceEndpointsEmulator> {
  const pollsPerStage = options.pollsPerStage ?? 1;
  const endpoints = new Map<string, EmulatedEndpoint>();
  const requests: { method: string; path: string }[] = [];
  let failNextMessage: string | undefined;
  let rateLimited = 0;
  let rateLimitSeconds = 1;
  let baseUrl = '';

  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  const servingUrl = (endpoint: EmulatedEndpoint) =>
    `${baseUrl}/serve/${endpoint.namespace}/${endpoint.name}`;

  function describe(endpoint: EmulatedEndpoint) {
    return {
      name: endpoint.name,
      type: endpoint.type,
      accountId: null,
      provider: endpoint.provider,
      compute: endpoint.compute,
      model: endpoint.model,
      status: {
        state: endpoint.state,
        message: endpoint.message,
        url: endpoint.url,
        createdAt: endpoint.createdAt,
        updatedAt: endpoint.updatedAt,
        createdBy: { id: '1', name: endpoint.namespace },
        updatedBy: { id: '1', name: endpoint.namespace },
        readyReplica: endpoint.state === 'running' ? 1 : 0,
        targetReplica: endpoint.state === 'paused' ? 0 : 1,
        private: null,
      },
      healthRoute: '/health',
    };
  }

  function moveTo(endpoint: EmulatedEndpoint, state: string, message: string | null = null) {
    endpoint.state = state;
    endpoint.message = message;
    endpoint.pollsInState = 0;
    endpoint.updatedAt = new Date().toISOString();
  }

  /** A start takes the injected failure, if any. */
  function starting(endpoint: EmulatedEndpoint, state: string) {
    moveTo(endpoint, state);
    if (failNextMessage !== undefined) {
      endpoint.failWith = failNextMessage;
      failNextMessage = undefined;
    }
  }

  function advance(endpoint: EmulatedEndpoint) {
    const next = TRANSITIONS[endpoint.state];
    if (next === undefined) return;
    endpoint.pollsInState++;
    if (endpoint.pollsInState < pollsPerStage) return;
    if (endpoint.failWith !== undefined && endpoint.state === 'initializing') {
      moveTo(endpoint, 'failed', endpoint.failWith);
      delete endpoint.failWith;
      return;
    }
    moveTo(endpoint, next);
    if (next === 'running') endpoint.url = servingUrl(endpoint);
  }

  async function handleServe(
    request: IncomingMessage,
    response: ServerResponse,
    parts: string[],
  ): Promise<void> {
    // /serve/{ns}/{name}/v1/completions
    const endpoint = endpoints.get(key(parts[1]!, parts[2]!));
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      send(response, 401, { error: 'Unauthorized' });
      return;
    }
    if (!endpoint || endpoint.state !== 'running') {
      send(response, 503, { error: `Endpoint is ${endpoint?.state ?? 'missing'}` });
      return;
    }
    const body = await readJson(request);
    endpoint.completions++;
    send(response, 200, {
      id: `cmpl-${endpoint.completions}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === 'string' ? body.model : 'tgi',
      choices: [{ index: 0, text: ' A short summary.', finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
    });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const method = request.method ?? 'GET';
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'serve') {
      await handleServe(request, response, parts);
      return;
    }
    requests.push({ method, path });
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      send(response, 401, { error: 'Invalid credentials in Authorization header' });
      return;
    }
    if (rateLimited > 0) {
      rateLimited--;
      send(
        response,
        429,
        { error: 'Too many requests' },
        { 'retry-after': String(rateLimitSeconds) },
      );
      return;
    }
    if (parts[0] !== 'v2' || parts[1] !== 'endpoint' || parts[2] === undefined) {
      send(response, 404, { error: 'Not found' });
      return;
    }
    const namespace = parts[2];
    if (parts.length === 3 && method === 'POST') {
      const body = await readJson(request);
      const model = body.model as EmulatedEndpoint['model'] | undefined;
      const name = body.name as string | undefined;
      if (!name || !/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(name) || !model?.repository) {
        send(response, 400, { error: 'name and model.repository are required' });
        return;
      }
      if (!body.compute || !body.provider) {
        send(response, 400, { error: 'compute and provider are required' });
        return;
      }
      if (endpoints.has(key(namespace, name))) {
        send(response, 409, { error: `Endpoint ${name} already exists` });
        return;
      }
      const now = new Date().toISOString();
      const endpoint: EmulatedEndpoint = {
        namespace,
        name,
        type: typeof body.type === 'string' ? body.type : 'protected',
        provider: body.provider as EmulatedEndpoint['provider'],
        compute: body.compute as Record<string, unknown>,
        model: { ...model, revision: model.revision ?? null },
        state: 'pending',
        message: null,
        url: null,
        createdAt: now,
        updatedAt: now,
        pollsInState: 0,
        completions: 0,
      };
      starting(endpoint, 'pending');
      endpoints.set(key(namespace, name), endpoint);
      send(response, 200, describe(endpoint));
      return;
    }
    const endpoint = parts[3] === undefined ? undefined : endpoints.get(key(namespace, parts[3]));
    if (!endpoint) {
      send(response, 404, { error: `Endpoint ${namespace}/${parts[3] ?? ''} not found` });
      return;
    }
    const action = parts[4];
    if (action === undefined && method === 'GET') {
      advance(endpoint);
      send(response, 200, describe(endpoint));
      return;
    }
    if (action === undefined && method === 'PUT') {
      const body = await readJson(request);
      const model = (body.model ?? {}) as Partial<EmulatedEndpoint['model']>;
      endpoint.model = { ...endpoint.model, ...model };
      if (endpoint.state === 'paused') endpoint.updatedAt = new Date().toISOString();
      else starting(endpoint, 'updating');
      send(response, 200, describe(endpoint));
      return;
    }
    if (action === 'pause' && method === 'POST') {
      moveTo(endpoint, 'paused');
      send(response, 200, describe(endpoint));
      return;
    }
    if (action === 'resume' && method === 'POST') {
      if (endpoint.state === 'running') {
        send(response, 400, { error: 'Endpoint is already running' });
        return;
      }
      starting(endpoint, 'pending');
      send(response, 200, describe(endpoint));
      return;
    }
    send(response, 405, { error: `${method} ${path} is not supported` });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    endpoints,
    requests,
    seed(seed) {
      const now = new Date().toISOString();
      const endpoint: EmulatedEndpoint = {
        namespace: seed.namespace,
        name: seed.name,
        type: 'protected',
        provider: { vendor: 'aws', region: 'us-east-1' },
        compute: { accelerator: 'gpu', instanceType: 'nvidia-a10g', instanceSize: 'x1' },
        model: {
          repository: seed.repository,
          revision: seed.revision ?? null,
          framework: 'pytorch',
          task: 'text-generation',
          image: { tgi: {} },
        },
        state: seed.state,
        message: null,
        url: null,
        createdAt: now,
        updatedAt: now,
        pollsInState: 0,
        completions: 0,
      };
      endpoint.url = servingUrl(endpoint);
      endpoints.set(key(seed.namespace, seed.name), endpoint);
      return endpoint;
    },
    failNext(message) {
      failNextMessage = message;
    },
    rateLimitNext(count, retryAfterSeconds = 1) {
      rateLimited = count;
      rateLimitSeconds = retryAfterSeconds;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
