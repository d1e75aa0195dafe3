import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startHttpServer,
  MAX_BODY_BYTES,
  type RunningHttpServer,
} from '../../clients/http/http-server.js';
import { ConfigError, loadConfig } from '../../config/environment.js';

const json = { 'content-type': 'application/json' };

describe('HTTP server protections', () => {
  let open: RunningHttpServer;
  let guarded: RunningHttpServer;
  const token = 'a-long-enough-test-token';
  const routes = [
    {
      method: 'POST' as const,
      path: '/echo/:name',
      handle: async ({
        json,
        params,
      }: {
        json: () => Promise<unknown>;
        params: Record<string, string>;
      }) => ({
        name: params.name,
        body: await json(),
      }),
    },
  ];

  before(async () => {
    open = await startHttpServer({ host: '127.0.0.1', port: 0, routes });
    guarded = await startHttpServer({ host: '127.0.0.1', port: 0, routes, bearerToken: token });
  });
  after(async () => {
    await open.close();
    await guarded.close();
  });

  it('routes with parameters and JSON bodies', async () => {
    const response = await fetch(`${open.url}/echo/caf%C3%A9`, {
      method: 'POST',
      body: '{"a":1}',
      headers: json,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { name: 'café', body: { a: 1 } });
  });

  it('answers 404, 405 and 400 for unknown paths, wrong methods and bad JSON', async () => {
    assert.equal((await fetch(`${open.url}/nope`)).status, 404);
    assert.equal((await fetch(`${open.url}/echo/x`)).status, 405);
    const bad = await fetch(`${open.url}/echo/x`, { method: 'POST', body: '{oops', headers: json });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /not valid JSON/);
  });

  it('refuses bodies over the limit', async () => {
    const response = await fetch(`${open.url}/echo/x`, {
      method: 'POST',
      headers: json,
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    });
    assert.equal(response.status, 413);
  });

  it('requires the bearer token when one is configured', async () => {
    assert.equal(
      (await fetch(`${guarded.url}/echo/x`, { method: 'POST', body: '{}', headers: json })).status,
      401,
    );
    const wrong = await fetch(`${guarded.url}/echo/x`, {
      method: 'POST',
      body: '{}',
      headers: { ...json, authorization: 'Bearer not-the-token' },
    });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${guarded.url}/echo/x`, {
      method: 'POST',
      body: '{}',
      headers: { ...json, authorization: `Bearer ${token}` },
    });
    assert.equal(right.status, 200);
  });

  it('will not listen beyond loopback without a token, in the server and in the config', async () => {
    await assert.rejects(
      startHttpServer({ host: '0.0.0.0', port: 0, routes }),
      /without API_TOKEN/,
    );
    assert.throws(
      () => loadConfig({ SERVE_HOST: '0.0.0.0' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /API_TOKEN: required when SERVE_HOST is not a loopback address/,
        );
        return true;
      },
    );
  });
});
