// Security regressions of `second-brain serve`, run as a real process and spoken to over HTTP
// on loopback: malformed requests (a fuzz of paths, headers and bodies) never crash it, the
// Host header must name it (DNS rebinding), bodies must be application/json and state changes
// must come from its own origin (cross-site requests), and live-answer streams are bounded.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repositoryRoot, runCli } from '../support/test-environment.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Served {
  child: ChildProcess;
  port: number;
  origin: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startServe(env: Record<string, string> = {}): Promise<Served> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [path.join(repositoryRoot, 'bin/second-brain.mjs'), 'serve', '--port', String(port)],
    { cwd: repositoryRoot, env: { ...process.env, CI: 'true', ...env } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  while (!/Serving on/.test(output)) {
    if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`serve did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, port, origin: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** One raw HTTP/1.1 exchange (fetch would refuse or normalize the malformed parts). */
function rawRequest(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no reply in 10 s')));
    socket.on('data', (chunk) => (reply += chunk.toString('latin1')));
    socket.once('end', () => resolve(reply));
    socket.once('close', () => resolve(reply));
    socket.once('error', (error) => (reply ? resolve(reply) : reject(error)));
    socket.end(text);
  });
}

const statusOf = (reply: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 0);

/** A small deterministic generator, so a failing fuzz case can be reproduced. */
function generator(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const bytes = (length: number) =>
    Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
  return { next, pick, bytes };
}

describe('serve: hostile requests over HTTP (a real serve process)', () => {
  let served: Served;
  before(async () => {
    served = await startServe({ SERVE_MAX_EVENT_STREAMS: '2', SERVE_EVENT_STREAM_SECS: '2' });
  });
  after(async () => {
    served.child.kill('SIGTERM');
    await served.exited;
  });

  const healthy = async () => {
    const response = await fetch(`${served.origin}/healthz`);
    assert.equal(response.status, 200, `serve stopped answering:\n${served.output()}`);
  };

  it('a malformed percent-encoding in a path is a 400, token or not, and serve keeps serving', async () => {
    const reply = await rawRequest(
      served.port,
      `GET /api/conversations/%E0 HTTP/1.1\r\nHost: 127.0.0.1:${served.port}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(reply), 400, reply);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(served.child.exitCode, null, `serve exited:\n${served.output()}`);
    await healthy();
  });

  it('a seeded fuzz of paths, headers and bodies never crashes serve or gets a 5xx', async () => {
    const random = generator(20_261_202);
    const paths = [
      '/api/conversations/',
      '/api/turns/',
      '/api/turns/x/sources/',
      '/api/evaluations/',
      '/codec/',
      '/web/',
      '/',
    ];
    const pieces = ['%', '%E0', '%C0%AF', '%FF', '%00', '..', '//', '%%', '%u2028', 'é', '\u0000'];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW'];
    const contentTypes = [
      'application/json',
      'text/plain',
      'application/json; charset=bogus',
      ';;',
      '',
    ];
    const statuses = new Map<number, number>();
    for (let index = 0; index < 150; index++) {
      const target =
        random.pick(paths) +
        Array.from({ length: 1 + Math.floor(random.next() * 4) }, () => random.pick(pieces)).join(
          '',
        );
      const body =
        random.next() < 0.5
          ? random.bytes(Math.floor(random.next() * 300))
          : Buffer.from(
              random.pick(['{', '{"question":1}', '[]', 'null', '{"payloads":[{"data":"%%"}]}']),
            );
      const headers = [
        `Host: 127.0.0.1:${served.port}`,
        `Content-Type: ${random.pick(contentTypes)}`,
        `Content-Length: ${random.next() < 0.9 ? body.length : 'abc'}`,
        random.next() < 0.3 ? `Last-Event-ID: ${random.bytes(8).toString('latin1')}` : 'X-Fuzz: 1',
        random.next() < 0.3
          ? `Origin: ${random.pick(['null', 'http://evil.example', '%E0'])}`
          : 'X-Fuzz: 2',
        'Connection: close',
      ];
      const request = Buffer.concat([
        Buffer.from(
          `${random.pick(methods)} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`,
          'latin1',
        ),
        body,
      ]);
      const status = statusOf(await rawRequest(served.port, request).catch(() => ''));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      assert.ok(
        status < 500,
        `case ${index}: ${request.toString('latin1').slice(0, 200)} → ${status}`,
      );
    }
    assert.equal(served.child.exitCode, null, `serve exited:\n${served.output()}`);
    await healthy();
  });

  it('refuses a Host that is not the bound address (DNS rebinding) and accepts its own', async () => {
    const reply = await rawRequest(
      served.port,
      `GET /api/conversations HTTP/1.1\r\nHost: rebound.attacker.example:${served.port}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(reply), 421, reply);
    const codec = await rawRequest(
      served.port,
      `POST /codec/decode HTTP/1.1\r\nHost: rebound.attacker.example:${served.port}\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{"payloads":[]}`,
    );
    assert.equal(statusOf(codec), 421, codec);
    for (const host of [`127.0.0.1:${served.port}`, `localhost:${served.port}`]) {
      const own = await rawRequest(
        served.port,
        `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(own), 200, own);
    }
  });

  it('a cross-site text/plain body or foreign Origin cannot start a turn', async () => {
    const plain = await fetch(`${served.origin}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ question: 'What do my notes say?' }),
    });
    assert.equal(plain.status, 415);
    const foreign = await fetch(`${served.origin}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ question: 'What do my notes say?' }),
    });
    assert.equal(foreign.status, 403);
    // Its own origin is fine: the request gets to validation (the body is invalid on purpose).
    const own = await fetch(`${served.origin}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: served.origin },
      body: JSON.stringify({ question: '' }),
    });
    assert.equal(own.status, 400);
  });

  it('live-answer streams are limited in number and in duration', async () => {
    const open = () => fetch(`${served.origin}/api/turns/turn-that-never-ran/events`);
    const first = await open();
    const second = await open();
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    const third = await open();
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '5');
    await third.body?.cancel();
    // SERVE_EVENT_STREAM_SECS=2: both streams end by themselves.
    assert.match(await first.text(), /: stream open/);
    await second.text();
    const again = await open();
    assert.equal(again.status, 200, 'slots are given back when streams end');
    await again.body?.cancel();
  });

  it('"127.example.com" is not loopback: serve refuses to bind it without API_TOKEN', async () => {
    const result = await runCli(['serve', '--host', '127.example.invalid', '--port', '1'], {
      env: { API_TOKEN: '' },
      timeoutMs: 30_000,
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /API_TOKEN: required when SERVE_HOST is not a loopback address/);
  });
});
