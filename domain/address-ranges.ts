// Which IP addresses are public. A prefix list written by hand misses forms such as
// IPv4-compatible `::7f00:1`, SIIT `::ffff:0:7f00:1` or 6to4 `2002:7f00:1::`, all of which reach
// loopback on some stacks; so this uses ipaddr.js's table of the IANA special-purpose ranges
// (maintained with the registries) and, for IPv6, accepts only the global unicast block
// 2000::/3, the only one IANA allocates to the public internet.
import ipaddr from 'ipaddr.js';

const globalUnicastV6 = ipaddr.parseCIDR('2000::/3');

function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  // isValidFourPartDecimal / isValid: no shorthand IPv4 forms such as "127.1" or "0x7f.1".
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}

/** True for an IP literal (v4 in dotted decimal, or v6, with or without brackets). */
export function isIpLiteral(host: string): boolean {
  return parse(host) !== undefined;
}

/**
 * True unless `address` is a public unicast address: loopback, private, link-local, metadata,
 * CGNAT, multicast, reserved, documentation, benchmarking, translation and tunnelling prefixes
 * (NAT64, SIIT, 6to4, Teredo) and anything that is not an IP address at all are forbidden.
 */
export function isForbiddenAddress(address: string): boolean {
  const parsed = parse(address);
  if (!parsed) return true;
  if (parsed.kind() === 'ipv4') return parsed.range() !== 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return isForbiddenAddress(v6.toIPv4Address().toString());
  if (!v6.match(globalUnicastV6)) return true;
  return v6.range() !== 'unicast';
}

/** True for `localhost` and loopback literals (127.0.0.0/8, ::1, ::ffff:127.x.y.z); not "127.example.com". */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const parsed = parse(bare);
  if (!parsed) return false;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    return (parsed as ipaddr.IPv6).toIPv4Address().range() === 'loopback';
  return parsed.range() === 'loopback';
}
