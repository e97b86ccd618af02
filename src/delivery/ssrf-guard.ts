/**
 * The SSRF guard: decides, for the address a delivery is about to connect to, whether it may. Loopback,
 * link-local (169.254.169.254, the cloud metadata service, among them), private, CGNAT, unique-local,
 * multicast and unspecified addresses are refused — in every written form, IPv4-mapped IPv6 included —
 * unless the tenant allow-lists them, because an on-premise CRM does live in a private network.
 *
 * It runs at connect time on the resolved address (see safe-dispatcher.ts), so a host name that
 * resolves to 127.0.0.1, or is re-pointed there after it was configured, is caught too.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: may lead to any IPv4 address, private ones included
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** An address in the form the checks use: IPv4-mapped and -compatible IPv6 become IPv4. */
export function canonicalAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(bare);
  if (version === 4) return { address: bare, family: 'ipv4' };
  if (version !== 6) return undefined;
  // The URL parser writes every IPv6 form in one compressed, lower-case spelling.
  const normal = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(normal);
  if (mapped && normal !== '::1') {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 'ipv4' };
  }
  return { address: normal, family: 'ipv6' };
}

/** True when the address is one of the refused ranges. Unparseable input counts as refused. */
export function isBlockedAddress(address: string): boolean {
  const c = canonicalAddress(address);
  if (!c) return true;
  return BLOCKED.check(c.address, c.family);
}

/** A tenant's allow-list, compiled: CIDRs and single addresses, host names (`*.corp.example` allowed). */
export type AllowList = { addresses: BlockList; hosts: string[]; empty: boolean };

export function compileAllowList(entries: readonly string[]): AllowList {
  const addresses = new BlockList();
  const hosts: string[] = [];
  for (const entry of entries) {
    const parsed = parseAllowEntry(entry);
    if (!parsed) continue;
    if (parsed.kind === 'host') hosts.push(parsed.host);
    else addresses.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return { addresses, hosts, empty: entries.length === 0 };
}

type AllowEntry = { kind: 'host'; host: string } | { kind: 'net'; address: string; prefix: number; family: 'ipv4' | 'ipv6' };

/** Parses one allow-list entry; undefined when it is none of a CIDR, an address or a host name. */
export function parseAllowEntry(entry: string): AllowEntry | undefined {
  const text = entry.trim().toLowerCase();
  const [addr, prefixText, extra] = text.split('/');
  if (extra === undefined) {
    const c = canonicalAddress(addr);
    if (c) {
      const max = c.family === 'ipv4' ? 32 : 128;
      // A mapped IPv6 CIDR (::ffff:10.0.0.0/104) is not worth the arithmetic: take single mapped addresses only.
      if (prefixText !== undefined && (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max || isIPv4(addr) !== (c.family === 'ipv4'))) return undefined;
      return { kind: 'net', address: c.address, prefix: prefixText === undefined ? max : Number(prefixText), family: c.family };
    }
  }
  if (prefixText === undefined && /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(text)) return { kind: 'host', host: text };
  return undefined;
}

/** Whether `host` (as written in the URL) is allow-listed by name. */
export function hostAllowed(list: AllowList, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return list.hosts.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) : h === p));
}

/**
 * The guard's verdict for one connection: the URL's host and the address it resolved to. Undefined
 * when allowed, else the reason (without the resolved address of a name: the log must not teach an
 * attacker the internal network).
 */
export function refuse(list: AllowList, host: string, address: string): string | undefined {
  if (!isBlockedAddress(address)) return undefined;
  if (hostAllowed(list, host)) return undefined;
  const c = canonicalAddress(address);
  if (c && list.addresses.check(c.address, c.family)) return undefined;
  return `${host} is a private, loopback, link-local or otherwise internal address; allow-list it in the tenant's deliveryAllowList to reach it`;
}
