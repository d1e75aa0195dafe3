// Server-side request forgery guard: crawled links come from other people's pages, so a link
// must never make the worker talk to itself, the local network or a cloud metadata service.
// Only http/https is accepted, and every address a host resolves to is checked after DNS
// resolution (on every connection, so redirects and DNS rebinding are covered too), unless the
// host is explicitly allowed (tests allow 127.0.0.1 and localhost for their local servers).
import { BlockList, isIP } from 'node:net';
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { SecondBrainError } from '../../domain/errors.js';

const forbidden = new BlockList();
// IPv4: "this network", private, carrier-grade NAT, loopback, link-local (cloud metadata lives
// at 169.254.169.254), IETF protocol assignments, test nets, benchmarking, multicast, reserved.
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  forbidden.addSubnet(network, prefix, 'ipv4');
// IPv6: unspecified, loopback, IPv4-mapped/translated (checked again as IPv4 below), unique
// local, link-local, site-local, multicast, documentation; and AWS's IPv6 metadata address.
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['fd00:ec2::254', 128],
] as const)
  forbidden.addSubnet(network, prefix, 'ipv6');

/** True for loopback, private, link-local, metadata and other non-public addresses. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbidden.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return forbidden.check(mapped[1]!, 'ipv4');
    return forbidden.check(address, 'ipv6');
  }
  return true;
}

/** The error every refusal throws; permanent, so crawlers record it instead of retrying. */
export class ForbiddenUrlError extends SecondBrainError {
  constructor(url: string, reason: string) {
    super('permanent', `Refused to fetch ${url}: ${reason}`, { details: { url, reason } });
  }
}

function bareHostname(url: URL): string {
  // URL keeps IPv6 literals in brackets.
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export interface SsrfPolicy {
  /** Host names (or IP literals) that may be fetched even when they resolve to local addresses. */
  allowedHosts: readonly string[];
}

export function isAllowedHost(hostname: string, policy: SsrfPolicy): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return policy.allowedHosts.some((allowed) => allowed.toLowerCase() === host);
}

/**
 * Checks a URL before it is fetched: scheme, then the host's resolved addresses.
 * Throws ForbiddenUrlError; resolves when the URL may be fetched.
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
  const host = bareHostname(url);
  if (isAllowedHost(host, policy)) return;
  if (isIP(host)) {
    if (isForbiddenAddress(host))
      throw new ForbiddenUrlError(rawUrl, `address ${host} is loopback, private or link-local`);
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
      `host ${host} resolves to ${refused.address}, a loopback, private or link-local address`,
    );
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup` replacement for HTTP clients: it resolves as usual and fails the connection
 * when any resolved address is forbidden. Used on every connection, redirects included, so a
 * host that re-resolves to a private address between the check and the fetch is still refused.
 */
export function createGuardedLookup(policy: SsrfPolicy) {
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
      if (!isAllowedHost(hostname, policy)) {
        const refused = addresses.find((entry) => isForbiddenAddress(entry.address));
        if (refused) {
          const refusal = new ForbiddenUrlError(
            hostname,
            `host ${hostname} resolves to ${refused.address}, a loopback, private or link-local address`,
          ) as unknown as NodeJS.ErrnoException;
          refusal.code = 'ERR_SSRF_FORBIDDEN';
          return done(refusal, []);
        }
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
