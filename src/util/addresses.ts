// Which IP addresses a public webhook must never reach: loopback, private, link-local, multicast, reserved.
import { BlockList, isIP } from 'node:net';

const IPV4_BLOCKED = [
  ['0.0.0.0', 8], // "this network", incl. the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 (cloud metadata)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const;

// IPv4 rules only: a BlockList matches IPv6 rules against IPv4 addresses too (as ::ffff:a.b.c.d),
// and IPv4 rules against IPv4-mapped IPv6 addresses, which is what judging those needs.
const blockedV4 = new BlockList();
for (const [net, prefix] of IPV4_BLOCKED) blockedV4.addSubnet(net, prefix, 'ipv4');

// IPv4-mapped (::ffff:0:0/96): the socket connects to the IPv4 address itself, so that decides.
const ipv4Mapped = new BlockList();
ipv4Mapped.addSubnet('::ffff:0:0', 96, 'ipv6');

// IPv6 is allowed only in global unicast (2000::/3). Everything else (::/96 IPv4-compatible,
// ::ffff:0:0:0/96, 64:ff9b::/96 and 64:ff9b:1::/48 NAT64, 100::/64, fc00::/7, fe80::/10, fec0::/10,
// ff00::/8, ...) can lead to this host, its network, or IPv4 private space through a translator;
// a block list of those would miss the next such form, an allow list does not.
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

// Inside 2000::/3, blocks that are not ordinary internet hosts.
const blockedGlobalV6 = new BlockList();
for (const [net, prefix] of [
  ['2001::', 23], // IETF protocol assignments, incl. Teredo 2001::/32 (an embedded IPv4) and benchmarking
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
] as const) {
  blockedGlobalV6.addSubnet(net, prefix, 'ipv6');
}
// 6to4 (2002::/16) carries an IPv4 address in its next 32 bits and is judged by it: 2002:7f00:1::
// reaches 127.0.0.1 through a 6to4 relay. a.b.c.d/p becomes 2002:aabb:ccdd::/(16 + p).
for (const [net, prefix] of IPV4_BLOCKED) {
  const [a, b, c, d] = net.split('.').map(Number) as [number, number, number, number];
  const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  blockedGlobalV6.addSubnet(`2002:${hex(a, b)}:${hex(c, d)}::`, 16 + prefix, 'ipv6');
}

/** True when the address is one a public webhook must never reach. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 4) return blockedV4.check(ip, 'ipv4');
  if (family !== 6) return false;
  // A zone (fe80::1%eth0) only means something for link-local and site-local addresses.
  if (ip.includes('%')) return true;
  if (ipv4Mapped.check(ip, 'ipv6')) return blockedV4.check(ip, 'ipv6');
  return !globalUnicast.check(ip, 'ipv6') || blockedGlobalV6.check(ip, 'ipv6');
}

/** True for a host name that always means this machine. */
export function isLocalHostname(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}
