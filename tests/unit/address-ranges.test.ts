import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isForbiddenAddress, isLoopbackHost } from '../../domain/address-ranges.js';
import { assertUrlAllowed, ForbiddenUrlError } from '../../integrations/crawler/ssrf-guard.js';

// IP literals only: none of these is ever connected to (assertUrlAllowed resolves no name for
// a literal, and refuses before any connection).
const LOOPBACK_IN_DISGUISE = [
  '::7f00:1', // IPv4-compatible ::127.0.0.1
  '::ffff:0:7f00:1', // SIIT (RFC 6145) 127.0.0.1
  '2002:7f00:1::', // 6to4 of 127.0.0.1
  '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '2001::7f00:1', // Teredo
  '::1',
  '::',
];

describe('special-purpose addresses (IANA registries through ipaddr.js)', () => {
  it('refuses IPv6 forms of loopback and other special ranges, allows public unicast', () => {
    for (const address of LOOPBACK_IN_DISGUISE)
      assert.equal(isForbiddenAddress(address), true, address);
    for (const address of ['10.0.0.1', '169.254.169.254', '100.64.0.1', 'fd00:ec2::254', 'fe80::1'])
      assert.equal(isForbiddenAddress(address), true, address);
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])
      assert.equal(isForbiddenAddress(address), false, address);
  });

  it('the crawler refuses URLs with those literals before connecting', async () => {
    for (const address of LOOPBACK_IN_DISGUISE)
      await assert.rejects(
        assertUrlAllowed(`http://[${address}]:8080/`, { allowedHosts: [] }),
        ForbiddenUrlError,
        address,
      );
  });

  it('loopback means 127.0.0.0/8, ::1 and localhost, not a name that starts with 127.', () => {
    for (const host of ['127.0.0.1', '127.9.8.7', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['127.example.com', '127.0.0.1.nip.io', '0.0.0.0', '10.0.0.1', '::'])
      assert.equal(isLoopbackHost(host), false, host);
  });
});
