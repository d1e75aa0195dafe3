import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, it } from 'node:test';
import { findFreePort } from '../../infra/managed-process.js';

describe('free ports for the servers a test or benchmark starts', () => {
  it('come from below the ephemeral range, where outgoing connections never take them', async () => {
    const [ephemeralStart] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
    for (const port of ports) assert.ok(port >= 10_000 && port < ephemeralStart!, `${port}`);
    // Random, so parallel test files do not all try the same ports.
    assert.ok(new Set(ports).size > 10);
  });

  it('are bindable', async () => {
    const port = await findFreePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1' }, resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
