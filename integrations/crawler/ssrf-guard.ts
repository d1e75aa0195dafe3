// Server-side request forgery guard: crawled links come from other people's pages, so a link
// must never make the worker talk to itself, the local network or a cloud metadata service.
// Only http/https is accepted, and every address a host resolves to is checked after DNS
// resolution (at connect time, by the guarded agent, so redirects and DNS rebinding are covered
// too), unless the host (or host:port) is explicitly allowed: tests allow their one local site.
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { SecondBrainError } from '../../domain/errors.js';
import { isForbiddenAddress, isIpLiteral } from '../../domain/address-ranges.js';

export { isForbiddenAddress } from '../../domain/address-ranges.js';

/** The error every refusal throws; permanent, so crawlers record it instead of retrying. */
export class ForbiddenUrlError extends SecondBrainError {
  constructor(url: string, reason: string) {
    super('permanent', `Refused to fetch ${url}: ${reason}`, { details: { url, reason } });
  }
}

function bareHost(hostname: string): string {
  // URL keeps IPv6 literals in brackets.
  return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export interface SsrfPolicy {
  /**
   * Hosts that may be fetched even when they resolve to local addresses: `host` (any port) or
   * `host:port` / `[v6]:port` (that port only), host names or IP literals.
   */
  allowedHosts: readonly string[];
}

interface AllowEntry {
  host: string;
  port?: number;
}

function parseAllowEntry(entry: string): AllowEntry {
  const value = entry.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1]!, port: portOf(bracketed[2]) };
  const hostPort = /^([^:]+):(\d+)$/.exec(value);
  if (hostPort) return { host: hostPort[1]!, port: portOf(hostPort[2]) };
  return { host: value };
}

function portOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/** The port a URL connects to (its explicit one, or the scheme's default). */
export function portOfUrl(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** True when the policy allows `hostname` on `port` (an entry without a port allows them all). */
export function isAllowedHost(hostname: string, port: number, policy: SsrfPolicy): boolean {
  const host = bareHost(hostname);
  return policy.allowedHosts.some((raw) => {
    const entry = parseAllowEntry(raw);
    return entry.host === host && (entry.port === undefined || entry.port === port);
  });
}

/**
 * Checks a URL before it is fetched: scheme, then the host's resolved addresses. Throws
 * ForbiddenUrlError; resolves when the URL may be fetched. The connection itself is checked
 * again by the guarded agent, so this is an early, clearly-worded refusal, not the only one.
 */
export async function assertUrlAllowed(rawUrl: string, policy: SsrfPolicy): Promise<void> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ForbiddenUrlError(rawUrl, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ForbiddenUrlError(rawUrl, `scheme ${url.protocol} is not http or https`);
  const host = bareHost(url.hostname);
  if (isAllowedHost(host, portOfUrl(url), policy)) return;
  if (isIpLiteral(host)) {
    if (isForbiddenAddress(host))
      throw new ForbiddenUrlError(rawUrl, `address ${host} is not a public unicast address`);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch (error) {
    throw new SecondBrainError('transient', `DNS lookup of ${host} failed`, { cause: error });
  }
  const refused = addresses.find((entry) => isForbiddenAddress(entry.address));
  if (refused)
    throw new ForbiddenUrlError(
      rawUrl,
      `host ${host} resolves to ${refused.address}, not a public unicast address`,
    );
}

/** The refusal as a connection error (the code lets the crawler classify it). */
export function connectionRefusal(target: string, reason: string): NodeJS.ErrnoException {
  const refusal = new ForbiddenUrlError(target, reason) as unknown as NodeJS.ErrnoException;
  refusal.code = 'ERR_SSRF_FORBIDDEN';
  return refusal;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup` replacement for one connection to `port`: it resolves as usual and fails the
 * connection when any resolved address is forbidden (unless host:port is allowed). The guarded
 * agent installs it on every connection it opens, redirects included, so a host that
 * re-resolves to a private address between the check and the fetch is still refused.
 */
export function createGuardedLookup(policy: SsrfPolicy, port: number) {
  return function guardedLookup(
    hostname: string,
    options: LookupOptions | number | LookupCallback,
    callback?: LookupCallback,
  ): void {
    const done = (typeof options === 'function' ? options : callback)!;
    const lookupOptions: LookupOptions =
      typeof options === 'object'
        ? options
        : typeof options === 'number'
          ? { family: options }
          : {};
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return done(error, []);
      if (!isAllowedHost(hostname, port, policy)) {
        const refused = addresses.find((entry) => isForbiddenAddress(entry.address));
        if (refused)
          return done(
            connectionRefusal(
              `${hostname}:${port}`,
              `host ${hostname} resolves to ${refused.address}, not a public unicast address`,
            ),
            [],
          );
      }
      if (lookupOptions.all) return done(null, addresses);
      const first = addresses[0];
      if (!first)
        return done(
          Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }),
          [],
        );
      done(null, first.address, first.family);
    });
  };
}
