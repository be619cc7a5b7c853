// SSRF guard for subscriber URLs: with allowPrivateTargets false, no attempt may reach loopback,
// private, link-local (cloud metadata), multicast or unspecified addresses. Checked when a URL is
// saved and again at connect time on the resolved address, so DNS rebinding cannot get through.
import { isIP } from 'node:net';
import { lookup as dnsLookup, promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, buildConnector } from 'undici';
import { isLocalHostname, isPrivateAddress } from '../util/addresses.js';

export { isPrivateAddress };

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
  if (isLocalHostname(host)) return new TargetNotAllowedError(host, 'loopback').message;
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
