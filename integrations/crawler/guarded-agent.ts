// The one way the crawler opens connections. crawlee and got otherwise use Node's shared global
// agents, whose keep-alive pool hands a socket opened by one request (crawlee's own robots.txt
// fetch, say, which never ran the guard) to the next request for the same host and port, so a
// redirect there would skip the check. These agents belong to one crawl, check every connection
// when it is opened (IP literals here, host names on their resolved addresses through the
// guarded lookup), and are destroyed with the crawl: every pooled socket in them was checked.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { isForbiddenAddress, isIpLiteral } from '../../domain/address-ranges.js';
import {
  connectionRefusal,
  createGuardedLookup,
  isAllowedHost,
  type SsrfPolicy,
} from './ssrf-guard.js';

type ConnectCallback = (error: Error | null, stream: Duplex) => void;

interface ConnectionOptions {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
  defaultPort?: number | string;
}

/**
 * Checks one connection about to be opened; returns the options to open it with (the guarded
 * lookup installed) or the refusal.
 */
function guardConnection<T extends ConnectionOptions>(
  options: T,
  policy: SsrfPolicy,
  defaultPort: number,
): { options: T } | { refusal: Error } {
  const host = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
  const port = Number(options.port ?? options.defaultPort ?? defaultPort);
  if (isAllowedHost(host, port, policy)) return { options };
  if (isIpLiteral(host)) {
    if (isForbiddenAddress(host))
      return {
        refusal: connectionRefusal(
          `${host}:${port}`,
          `address ${host} is not a public unicast address`,
        ),
      };
    return { options };
  }
  return { options: { ...options, lookup: createGuardedLookup(policy, port) } };
}

class GuardedHttpAgent extends http.Agent {
  constructor(private readonly policy: SsrfPolicy) {
    super({ keepAlive: true, maxSockets: 64 });
  }

  override createConnection(
    options: http.ClientRequestArgs,
    callback?: ConnectCallback,
  ): Duplex | null | undefined {
    const guarded = guardConnection(options, this.policy, 80);
    if ('refusal' in guarded) {
      // The agent reports an asynchronous callback error on the request, like a failed connect.
      process.nextTick(() => callback?.(guarded.refusal, undefined as unknown as Duplex));
      return undefined;
    }
    return super.createConnection(guarded.options, callback);
  }
}

class GuardedHttpsAgent extends https.Agent {
  constructor(private readonly policy: SsrfPolicy) {
    super({ keepAlive: true, maxSockets: 64 });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: ConnectCallback,
  ): Duplex | null | undefined {
    const guarded = guardConnection(options, this.policy, 443);
    if ('refusal' in guarded) {
      process.nextTick(() => callback?.(guarded.refusal, undefined as unknown as Duplex));
      return undefined;
    }
    return super.createConnection(guarded.options, callback);
  }
}

export interface GuardedAgents {
  http: http.Agent;
  https: https.Agent;
  /** Closes every pooled socket; the agents are not used afterwards. */
  destroy(): void;
}

export function createGuardedAgents(policy: SsrfPolicy): GuardedAgents {
  const agents = { http: new GuardedHttpAgent(policy), https: new GuardedHttpsAgent(policy) };
  return {
    ...agents,
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
