// A loopback HTTP server that answers from a script: tests queue the replies a route gives
// next (a success, a 429 with Retry-After, a 500, ...); an empty queue gives the route's
// default answer. Every request is recorded so tests can check what the real SDK sent.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
  /** Answer only after this long (to provoke client timeouts). */
  delayMs?: number;
  /** Written as-is instead of the JSON body (e.g. a server-sent event stream). */
  rawBody?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type RouteHandler = (request: RecordedRequest) => ScriptedReply;

export class ScriptedHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queues = new Map<string, ScriptedReply[]>();
  private server: Server | undefined;
  private address: AddressInfo | undefined;

  constructor(
    /** Picks the route name of a request (e.g. 'chat', 'embeddings'), or undefined for 404. */
    private readonly route: (request: RecordedRequest) => string | undefined,
    private readonly defaults: Record<string, RouteHandler>,
    /** Checked before the script: a reply here (e.g. a 401) wins. */
    private readonly guard?: (request: RecordedRequest) => ScriptedReply | undefined,
    /** Reshapes every chosen reply for its request (e.g. into a stream when one was asked for). */
    private readonly reshape: (request: RecordedRequest, reply: ScriptedReply) => ScriptedReply = (
      _request,
      reply,
    ) => reply,
  ) {}

  get url(): string {
    if (!this.address) throw new Error('emulator not started');
    return `http://127.0.0.1:${this.address.port}`;
  }

  /** Queues replies for a route, answered in order before its default. */
  enqueue(route: string, ...replies: ScriptedReply[]): void {
    this.queues.set(route, [...(this.queues.get(route) ?? []), ...replies]);
  }

  async start(): Promise<this> {
    this.server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON: recorded as text.
        }
        const request: RecordedRequest = {
          method: incoming.method ?? 'GET',
          path: incoming.url ?? '/',
          headers: incoming.headers,
          body,
        };
        this.requests.push(request);
        const reply = this.reshape(request, this.answer(request));
        setTimeout(() => {
          if (outgoing.destroyed) return;
          outgoing.writeHead(reply.status ?? 200, {
            'content-type': 'application/json',
            ...reply.headers,
          });
          outgoing.end(reply.rawBody ?? JSON.stringify(reply.body));
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.address = this.server.address() as AddressInfo;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private answer(request: RecordedRequest): ScriptedReply {
    const guarded = this.guard?.(request);
    if (guarded) return guarded;
    const route = this.route(request);
    if (route === undefined) return { status: 404, body: { error: `no route ${request.path}` } };
    const queued = this.queues.get(route)?.shift();
    if (queued) return queued;
    const handler = this.defaults[route];
    return handler ? handler(request) : { status: 404, body: { error: `no default for ${route}` } };
  }
}

/** A deterministic unit-length vector for a text, so similar calls give equal vectors. */
export function fakeVector(text: string, dimensions: number): number[] {
  const values = Array.from({ length: dimensions }, (_, index) => {
    let hash = 2166136261 ^ index;
    for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
    return ((hash >>> 0) % 2000) / 1000 - 1;
  });
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => value / norm);
}
