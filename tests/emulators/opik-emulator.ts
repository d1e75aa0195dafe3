// A local HTTP emulator of the Opik REST endpoints the `opik` SDK calls for tracing, datasets
// and experiments, with Opik's request and response shapes (snake_case JSON, 204 for batch
// writes, 201 for creations, 409 for a dataset name that exists, UUID v7 ids enforced as the
// real backend does):
//
//   POST  /v1/private/traces/batch          {traces: [{id, project_name, name, start_time, ...}]}
//   POST  /v1/private/spans/batch           {spans: [{id, trace_id, parent_span_id, type, usage, ...}]}
//   PATCH /v1/private/traces/{id}           partial trace (the SDK's trace.update/end)
//   PATCH /v1/private/spans/{id}            partial span
//   PUT   /v1/private/traces/feedback-scores {scores: [{id, name, value, reason, source}]}
//   POST  /v1/private/datasets              {id, name, description} -> 201; 409 when the name exists
//   POST  /v1/private/datasets/retrieve     {dataset_name} -> the dataset; 404 when unknown
//   PUT   /v1/private/datasets/items        {dataset_id | dataset_name, items: [{id, data, source}]}
//   POST  /v1/private/experiments           {id, dataset_name, name, metadata} -> 201
//   POST  /v1/private/experiments/items     {experiment_items: [{id, experiment_id, dataset_item_id, trace_id}]}
//
// With an apiKey the emulator behaves like Comet cloud: requests need `authorization: <key>`
// and a `Comet-Workspace` header, else 401. Anything else answers 501, so a test that relies on
// an endpoint the emulator lacks fails loudly.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface OpikEmulator {
  /** The base URL to give OPIK_URL_OVERRIDE (the SDK appends /v1/private/...). */
  url: string;
  traces: Map<string, Json>;
  spans: Map<string, Json>;
  feedbackScores: Json[];
  datasets: Map<string, Json & { items: Map<string, Json> }>;
  experiments: Map<string, Json & { items: Json[] }>;
  requests: { method: string; path: string; workspace: string | undefined }[];
  close(): Promise<void>;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

async function readJson(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Json) : {};
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

class OpikHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.join('; '));
  }
}

function requireV7(id: unknown, what: string): string {
  if (typeof id !== 'string' || !UUID_V7.test(id))
    throw new OpikHttpError(400, [`${what} id must be a version 7 UUID (got ${String(id)})`]);
  return id;
}

export async function startOpikEmulator(options: { apiKey?: string } = {}): Promise<OpikEmulator> {
  const emulator: Omit<OpikEmulator, 'url' | 'close'> = {
    traces: new Map(),
    spans: new Map(),
    feedbackScores: [],
    datasets: new Map(),
    experiments: new Map(),
    requests: [],
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://emulator').pathname;
    const workspace = request.headers['comet-workspace'] as string | undefined;
    emulator.requests.push({ method, path, workspace });
    if (options.apiKey !== undefined) {
      if (request.headers.authorization !== options.apiKey || !workspace)
        throw new OpikHttpError(401, ['User not allowed to access workspace']);
    }
    const body = method === 'GET' ? {} : await readJson(request);

    if (method === 'POST' && path === '/v1/private/traces/batch') {
      for (const trace of (body.traces as Json[] | undefined) ?? []) {
        const id = requireV7(trace.id, 'trace');
        // Opik keeps the latest write of a trace id.
        emulator.traces.set(id, { ...emulator.traces.get(id), ...trace });
      }
      return send(response, 204);
    }
    if (method === 'POST' && path === '/v1/private/spans/batch') {
      for (const span of (body.spans as Json[] | undefined) ?? []) {
        const id = requireV7(span.id, 'span');
        requireV7(span.trace_id, 'trace');
        if (span.parent_span_id !== undefined) requireV7(span.parent_span_id, 'parent span');
        emulator.spans.set(id, { ...emulator.spans.get(id), ...span });
      }
      return send(response, 204);
    }
    const patch = /^\/v1\/private\/(traces|spans)\/([^/]+)$/.exec(path);
    if (method === 'PATCH' && patch) {
      const store = patch[1] === 'traces' ? emulator.traces : emulator.spans;
      const existing = store.get(patch[2]!);
      if (!existing) throw new OpikHttpError(404, [`${patch[1]} not found`]);
      store.set(patch[2]!, { ...existing, ...body });
      return send(response, 204);
    }
    if (method === 'PUT' && path === '/v1/private/traces/feedback-scores') {
      for (const score of (body.scores as Json[] | undefined) ?? []) {
        requireV7(score.id, 'trace');
        if (typeof score.value !== 'number') throw new OpikHttpError(422, ['value is required']);
        emulator.feedbackScores.push(score);
      }
      return send(response, 204);
    }
    if (method === 'POST' && path === '/v1/private/datasets') {
      const name = typeof body.name === 'string' ? body.name : '';
      if (!name) throw new OpikHttpError(422, ['name must not be blank']);
      if ([...emulator.datasets.values()].some((dataset) => dataset.name === name))
        throw new OpikHttpError(409, ['Dataset already exists']);
      const id = body.id === undefined ? randomUUID() : requireV7(body.id, 'dataset');
      emulator.datasets.set(id, { ...body, id, name, items: new Map() });
      response.setHeader('location', `/v1/private/datasets/${id}`);
      return send(response, 201);
    }
    if (method === 'POST' && path === '/v1/private/datasets/retrieve') {
      const dataset = [...emulator.datasets.values()].find(
        (candidate) => candidate.name === body.dataset_name,
      );
      if (!dataset) throw new OpikHttpError(404, ['Dataset not found']);
      const { items, ...fields } = dataset;
      return send(response, 200, { ...fields, dataset_items_count: items.size });
    }
    if (method === 'PUT' && path === '/v1/private/datasets/items') {
      const dataset =
        typeof body.dataset_id === 'string'
          ? emulator.datasets.get(body.dataset_id)
          : [...emulator.datasets.values()].find(
              (candidate) => candidate.name === body.dataset_name,
            );
      if (!dataset) throw new OpikHttpError(404, ['Dataset not found']);
      for (const item of (body.items as Json[] | undefined) ?? []) {
        const id = requireV7(item.id, 'dataset item');
        dataset.items.set(id, item);
      }
      return send(response, 204);
    }
    if (method === 'POST' && path === '/v1/private/experiments') {
      const id = requireV7(body.id, 'experiment');
      if (!body.dataset_name) throw new OpikHttpError(422, ['dataset_name must not be blank']);
      emulator.experiments.set(id, { ...body, id, items: [] });
      response.setHeader('location', `/v1/private/experiments/${id}`);
      return send(response, 201);
    }
    if (method === 'POST' && path === '/v1/private/experiments/items') {
      for (const item of (body.experiment_items as Json[] | undefined) ?? []) {
        const experiment = emulator.experiments.get(String(item.experiment_id));
        if (!experiment) throw new OpikHttpError(404, ['Experiment not found']);
        requireV7(item.id, 'experiment item');
        requireV7(item.trace_id, 'trace');
        experiment.items.push(item);
      }
      return send(response, 204);
    }
    throw new OpikHttpError(501, [`${method} ${path} is not emulated`]);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof OpikHttpError) send(response, error.status, { errors: error.errors });
      else send(response, 500, { errors: [(error as Error).message] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...emulator,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
