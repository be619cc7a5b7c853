// storage.url for people: where it points without the password, and its query parameters read
// without assuming a WHATWG URL (libpq URLs like postgres://u:p@/db?host=/run/postgresql are not).
import { parse } from 'pg-connection-string';

/** Where the URL points, without user or password: for messages and logs. */
export function describeTarget(url: string): string {
  try {
    const c = parse(url);
    const host = c.host || 'localhost';
    return `${host.includes(':') && !host.startsWith('/') ? `[${host}]` : host}${c.port ? `:${c.port}` : ''}/${c.database ?? ''}`;
  } catch {
    return '(unparsable storage.url)';
  }
}

/**
 * The URL with its password replaced by "***" (user, host, database kept). String surgery, not
 * URL: libpq URLs such as postgres://u:p@/db?host=/run/postgresql are not WHATWG URLs.
 */
export function redactUrl(url: string): string {
  const [head, query] = splitQuery(url);
  const scheme = head.indexOf('://');
  const at = head.lastIndexOf('@');
  let out = head;
  if (scheme >= 0 && at > scheme) {
    const userinfo = head.slice(scheme + 3, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) out = `${head.slice(0, scheme + 3)}${userinfo.slice(0, colon)}:***${head.slice(at)}`;
  }
  if (query === null) return out;
  const params = new URLSearchParams(query);
  for (const key of [...params.keys()]) if (key.toLowerCase() === 'password') params.set(key, '***');
  return `${out}?${params.toString()}`;
}

function splitQuery(url: string): [string, string | null] {
  const i = url.indexOf('?');
  return i < 0 ? [url, null] : [url.slice(0, i), url.slice(i + 1)];
}

/** The URL's own sslmode parameter, if any. */
export function sslmodeInUrl(url: string): string | undefined {
  const [, query] = splitQuery(url);
  return query === null ? undefined : (new URLSearchParams(query).get('sslmode') ?? undefined);
}

/** The URL with its sslmode parameter set to `mode`. */
export function withSslmode(url: string, mode: string): string {
  const [head, query] = splitQuery(url);
  const params = new URLSearchParams(query ?? '');
  params.set('sslmode', mode);
  return `${head}?${params.toString()}`;
}

