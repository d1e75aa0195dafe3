// The HTTP server behind `second-brain serve`: a small router over node:http with the
// protections every route gets: loopback by default, a bearer token (compared in constant
// time) whenever it listens elsewhere, a Host header naming this server (DNS rebinding), JSON
// bodies only as application/json and state changes only from this server's own origin
// (cross-site requests), bounded request bodies, and JSON errors. No request, however
// malformed, can take the process down: every failure ends in a status code.
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import contentType from 'content-type';
import { isIpLiteral, isLoopbackHost } from '../../domain/address-ranges.js';

export { isLoopbackHost } from '../../domain/address-ranges.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RouteContext {
  request: http.IncomingMessage;
  response: http.ServerResponse;
  params: Record<string, string>;
  url: URL;
  /** Reads and parses a JSON body, refusing bodies over the limit. */
  json: () => Promise<unknown>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path with :named segments, e.g. /api/conversations/:id */
  path: string;
  /** Origins allowed to call this route from a browser (CORS), e.g. the Temporal UI for the codec. */
  corsOrigins?: string[];
  /** Served without the bearer token: static files holding no data (the web UI's code). */
  public?: boolean;
  handle(context: RouteContext): Promise<unknown>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: Route[];
  /** Required when host is not a loopback address. */
  bearerToken?: string;
  /** Names besides the bound address (and localhost on loopback) the Host header may carry. */
  allowedHostNames?: readonly string[];
}

function tokensMatch(given: string, expected: string): boolean {
  // Hash both sides first so the comparison takes the same time whatever the lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const patternParts = pattern.split('/').filter(Boolean);
  const pathParts = pathname.split('/').filter(Boolean);
  if (patternParts.length !== pathParts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    const actual = pathParts[index]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        throw new HttpError(400, 'Malformed percent-encoding in the path');
      }
    } else if (part !== actual) return undefined;
  }
  return params;
}

async function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `Request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `Request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

export interface RunningHttpServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  if (!isLoopbackHost(options.host) && !options.bearerToken) {
    throw new Error(
      `Refusing to listen on ${options.host} without API_TOKEN: set a bearer token or bind to 127.0.0.1`,
    );
  }
  const server = http.createServer((request, response) => {
    // The last line of defence: whatever escapes the handler still gets an answer, and no
    // rejection or stream error ever reaches the process.
    request.on('error', () => undefined);
    response.on('error', () => undefined);
    handle(request, response).catch(() => {
      try {
        sendJson(response, 500, { error: 'Internal error' });
      } catch {
        response.destroy();
      }
    });
  });
  // A request that node's parser refuses (bad header bytes, oversized headers) gets a 400.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  let boundPort = options.port;
  const wildcard = options.host === '0.0.0.0' || options.host === '::';
  const hostNames = new Set(
    [
      options.host.replace(/^\[(.*)\]$/, '$1'),
      ...(isLoopbackHost(options.host) ? ['localhost', '127.0.0.1', '::1'] : []),
      ...(options.allowedHostNames ?? []),
    ].map((name) => name.toLowerCase()),
  );

  /** The Host header must name this server, so a rebound DNS name cannot reach it. */
  function assertHostAllowed(header: string | undefined): void {
    if (!header) throw new HttpError(400, 'Missing Host header');
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header.trim().toLowerCase());
    const name = match?.[1]?.replace(/^\[(.*)\]$/, '$1');
    const port = match?.[2] === undefined ? 80 : Number(match[2]);
    const known = name !== undefined && (hostNames.has(name) || (wildcard && isIpLiteral(name)));
    if (!known || port !== boundPort)
      throw new HttpError(421, `Host ${JSON.stringify(header)} is not this server`);
  }

  function ownOrigins(): Set<string> {
    return new Set(
      [...hostNames].map(
        (name) => `http://${name.includes(':') ? `[${name}]` : name}:${boundPort}`,
      ),
    );
  }

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    try {
      assertHostAllowed(request.headers.host);
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://localhost');
      } catch {
        throw new HttpError(400, 'Malformed request target');
      }
      const candidates = options.routes.filter(
        (route) => matchPath(route.path, url.pathname) !== undefined,
      );
      const origin = request.headers.origin;
      const cors = candidates.flatMap((route) => route.corsOrigins ?? []);
      if (origin && cors.includes(origin)) {
        response.setHeader('access-control-allow-origin', origin);
        response.setHeader(
          'access-control-allow-headers',
          'content-type, authorization, x-namespace',
        );
        response.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
        response.setHeader('vary', 'origin');
      }
      if (request.method === 'OPTIONS') {
        response.writeHead(candidates.length > 0 ? 204 : 404).end();
        return;
      }
      const route = candidates.find((candidate) => candidate.method === request.method);
      if (!route) throw new HttpError(candidates.length > 0 ? 405 : 404, 'Not found');
      // A state-changing request from a browser must come from this server's own pages (or a
      // route's CORS origins): another site's form or fetch cannot start turns here.
      if (route.method !== 'GET' && origin !== undefined) {
        if (!ownOrigins().has(origin.toLowerCase()) && !(route.corsOrigins ?? []).includes(origin))
          throw new HttpError(403, `Origin ${origin} may not call ${route.method} ${route.path}`);
      }
      if (options.bearerToken && !route.public) {
        const header = request.headers.authorization ?? '';
        const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
        if (!tokensMatch(given, options.bearerToken))
          throw new HttpError(401, 'Missing or invalid bearer token');
      }
      const result = await route.handle({
        request,
        response,
        url,
        params: matchPath(route.path, url.pathname)!,
        json: async () => {
          // Only application/json: text/plain is what a cross-site form or "simple" fetch
          // can send without a CORS preflight.
          let type = '';
          try {
            type = contentType.parse(request.headers['content-type'] ?? '').type;
          } catch {
            type = '';
          }
          if (type !== 'application/json')
            throw new HttpError(415, 'Request body must be sent as application/json');
          const body = await readBody(request, MAX_BODY_BYTES);
          try {
            return JSON.parse(body.toString('utf8')) as unknown;
          } catch {
            throw new HttpError(400, 'Request body is not valid JSON');
          }
        },
      });
      if (!response.writableEnded) sendJson(response, 200, result);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : isZodError(error) ? 400 : 500;
      const message = status === 500 ? 'Internal error' : (error as Error).message;
      sendJson(response, status, { error: message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  boundPort = address.port;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function isZodError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ZodError';
}
