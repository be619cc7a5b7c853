// SSRF guard for subscriber URLs: with allowPrivateTargets false, no attempt may reach loopback,
// private, link-local (cloud metadata), multicast or unspecified addresses. Checked when a URL is
// saved and again at connect time on the resolved address, so DNS rebinding cannot get through.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import { Agent, buildConnector } from 'undici';

const blocked = new BlockList();
for (const [net, prefix] of [
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
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach IPv4 private space
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True when the address is one a public webhook must never reach. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family !== 6) return false;
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms are judged by their IPv4 part.
  const mapped = /^(?:0*:)*(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    const lo = parseInt(hexMapped[2]!, 16);
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return blocked.check(ip, 'ipv6');
}

export class TargetNotAllowedError extends Error {
  readonly code = 'target_not_allowed';
  constructor(host: string, address: string) {
    super(
      `${host} resolves to ${address}, a private, loopback, link-local or reserved address; ` +
        'set delivery.allowPrivateTargets: true to allow such subscribers',
    );
  }
}

/**
 * Checks a URL before it is saved: refused when its host is, or currently resolves to, a private
 * address. A host that does not resolve now is accepted: the connect-time check still applies.
 */
export async function checkTargetUrl(url: string): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host) ? new TargetNotAllowedError(host, host).message : null;
  if (host === 'localhost' || host.endsWith('.localhost')) return new TargetNotAllowedError(host, 'loopback').message;
  try {
    const addresses = await dns.lookup(host, { all: true, verbatim: true });
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    return bad ? new TargetNotAllowedError(host, bad.address).message : null;
  } catch {
    return null;
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that fails for private results; used for every connection the delivery agent opens. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(Object.assign(new TargetNotAllowedError(hostname, bad.address), { code: 'ETARGETNOTALLOWED' }), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}

/** The HTTP agent for webhook attempts; with allowPrivate false it refuses private targets at connect time. */
export function createDeliveryAgent(opts: { allowPrivate: boolean }): Agent {
  const common = { connections: 64, keepAliveTimeout: 10_000 } as const;
  if (opts.allowPrivate) return new Agent(common);
  const base = buildConnector({ lookup: guardedLookup as never });
  const connect: buildConnector.connector = (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    // Literal IPs skip DNS (and so the guarded lookup): check them here.
    if (isIP(host) && isPrivateAddress(host)) {
      return callback(Object.assign(new TargetNotAllowedError(host, host), { code: 'ETARGETNOTALLOWED' }), null);
    }
    return base(options, callback);
  };
  return new Agent({ ...common, connect });
}
