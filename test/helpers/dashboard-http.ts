// The dashboard over plain HTTP, as a browser without JavaScript would use it: a cookie jar (the
// session and flash cookies), pages fetched with it, forms posted with or without their CSRF token.
// For server-level checks (headers, cookies, refusals); the browser tests drive Chromium instead.
import { request } from 'undici';

export interface PageAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Set-Cookie headers of the answer, as sent. */
  cookies: string[];
}

export const SESSION_COOKIE = 'leadrelay_session';

/** The attributes of the Set-Cookie header for `name` in an answer, lower-cased keys ('' for flags). */
export function cookieAttributes(cookies: readonly string[], name: string): Record<string, string> | null {
  const line = cookies.find((c) => c.startsWith(`${name}=`));
  if (!line) return null;
  const [first, ...attrs] = line.split(';').map((p) => p.trim());
  const out: Record<string, string> = { value: first!.slice(name.length + 1) };
  for (const a of attrs) {
    const i = a.indexOf('=');
    out[(i < 0 ? a : a.slice(0, i)).toLowerCase()] = i < 0 ? '' : a.slice(i + 1);
  }
  return out;
}

/** The CSRF token a page's forms carry. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no CSRF field in the page:\n${html.slice(0, 500)}`);
  return m[1]!;
}

export class DashboardHttp {
  /** Cookies the relay set and has not cleared, by name. */
  readonly jar = new Map<string, string>();

  constructor(readonly base: string) {}

  get session(): string | null {
    return this.jar.get(SESSION_COOKIE) ?? null;
  }

  async send(method: 'GET' | 'POST', path: string, opts: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<PageAnswer> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await request(`${this.base}${path}`, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...opts.headers,
      },
      body: opts.form ? new URLSearchParams(opts.form).toString() : undefined,
    });
    const body = await res.body.text();
    const set = res.headers['set-cookie'];
    const cookies = set === undefined ? [] : Array.isArray(set) ? set : [set];
    for (const line of cookies) {
      const name = line.slice(0, line.indexOf('='));
      const attrs = cookieAttributes([line], name)!;
      if (attrs['max-age'] === '0' || attrs.value === '') this.jar.delete(name);
      else this.jar.set(name, attrs.value!);
    }
    return { status: res.statusCode, headers: res.headers, body, cookies };
  }

  get(path: string, headers?: Record<string, string>): Promise<PageAnswer> {
    return this.send('GET', path, { headers });
  }

  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<PageAnswer> {
    return this.send('POST', path, { form, headers });
  }

  /** Logs in with `token`; the jar keeps the session cookie. Throws unless the relay answered with one. */
  async login(token: string, headers?: Record<string, string>): Promise<PageAnswer> {
    const res = await this.post('/login', { token }, headers);
    if (res.status !== 303 || !cookieAttributes(res.cookies, SESSION_COOKIE)) throw new Error(`login failed: ${res.status} ${res.body.slice(0, 300)}`);
    return res;
  }

  /** A page's CSRF token (the overview's, by default). */
  async csrf(path = '/'): Promise<string> {
    const page = await this.get(path);
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status}`);
    return csrfOf(page.body);
  }
}
