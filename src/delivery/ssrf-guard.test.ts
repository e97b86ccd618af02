import assert from 'node:assert/strict';
import { it } from 'node:test';
import { canonicalAddress, compileAllowList, isBlockedAddress, parseAllowEntry, refuse } from './ssrf-guard.ts';

it('blocks loopback, link-local, private, CGNAT, unique-local, multicast and unspecified addresses in every form', () => {
  for (const a of [
    '127.0.0.1', '127.1.2.3', '0.0.0.0', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.127.255.255',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:10.0.0.1', '::ffff:169.254.169.254', '[::1]', '0:0:0:0:0:0:0:1', '64:ff9b::a00:1', 'not an ip',
  ]) {
    assert.equal(isBlockedAddress(a), true, a);
  }
  for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(isBlockedAddress(a), false, a);
});

it('reads IPv4-mapped IPv6 as the IPv4 address it carries', () => {
  assert.deepEqual(canonicalAddress('::ffff:7f00:1'), { address: '127.0.0.1', family: 'ipv4' });
  assert.deepEqual(canonicalAddress('[::ffff:192.168.0.1]'), { address: '192.168.0.1', family: 'ipv4' });
  assert.deepEqual(canonicalAddress('0:0:0:0:0:0:0:1'), { address: '::1', family: 'ipv6' });
});

it('lets allow-listed CIDRs, addresses and host names through, and nothing else', () => {
  const list = compileAllowList(['10.1.0.0/16', '127.0.0.1', 'crm.corp.example', '*.intra.example', 'fd00::/8']);
  assert.equal(refuse(list, '10.1.2.3', '10.1.2.3'), undefined);
  assert.equal(refuse(list, '::ffff:10.1.2.3', '::ffff:10.1.2.3'), undefined);
  assert.match(refuse(list, '10.2.0.1', '10.2.0.1') ?? '', /deliveryAllowList/);
  assert.equal(refuse(list, 'crm.corp.example', '192.168.5.5'), undefined);
  assert.equal(refuse(list, 'a.b.intra.example', '192.168.5.5'), undefined);
  assert.match(refuse(list, 'intra.example.evil', '192.168.5.5') ?? '', /allow-list/);
  assert.equal(refuse(list, 'fd00::5', 'fd00::5'), undefined);
  assert.match(refuse(list, 'localhost', '::1') ?? '', /allow-list/);
  assert.equal(refuse(compileAllowList([]), 'example.com', '93.184.216.34'), undefined);
});

it('parses allow-list entries and rejects what is none of CIDR, address or host', () => {
  assert.deepEqual(parseAllowEntry('10.0.0.0/8'), { kind: 'net', address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseAllowEntry('Localhost'), { kind: 'host', host: 'localhost' });
  for (const bad of ['10.0.0.0/33', 'a b', 'http://x', '10.0.0.0/8/1', '*.', '']) assert.equal(parseAllowEntry(bad), undefined, bad);
});
