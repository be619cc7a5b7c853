// Secret scrubbing, every rule once: what counts as secret (credential headers, URL userinfo, signing
// secrets, vendor keys) and the redactor that cuts it out of text we show (attempt-log excerpts and
// headers, vendor error messages), in whatever form the other side echoed it: raw, JSON-escaped
// (`\"`, `\/`, `\u0041`) or URL-encoded (`%2F`, `+`).
import { identity, jsonUnescaped, percentDecoded, type View } from './redact-views.js';

export const REDACTED = '[redacted]';

export interface RedactorOptions {
  /** Shorter secrets are ignored: as plain text they are too common to cut out (default 4). */
  minLength?: number;
  /**
   * Also cut every run of at least this many characters that occurs inside a secret: an API key the
   * other side quoted cut short ("key ak_live_8f3a… is invalid"). Meant for random keys, where
   * eight characters in a row are never there by chance; off by default.
   */
  fragmentsFrom?: number;
}

/**
 * The longest text one character of a secret can become in the forms searched for: three `%XX` for a
 * character of three UTF-8 bytes (a surrogate pair gives twelve for two units, `\uXXXX` six).
 */
const MAX_FORM_CHARS_PER_UNIT = 9;

export class Redactor {
  private readonly secrets: string[];
  /**
   * How many characters past the end of what is kept a caller must hand over, so that a secret that
   * starts inside what is kept is seen whole (in any form) and cut whole.
   */
  readonly margin: number;
  private readonly fragmentsFrom: number | null;
  /** Every fragmentsFrom-long run inside a secret, for the fragment search. */
  private readonly grams = new Set<string>();
  private readonly hasSpace: boolean;

  constructor(secrets: Iterable<string>, opts: RedactorOptions = {}) {
    const minLength = opts.minLength ?? 4;
    // Longest first: the margin is the longest one's.
    this.secrets = [...new Set(secrets)].filter((s) => s.length >= minLength).sort((a, b) => b.length - a.length);
    this.margin = (this.secrets[0]?.length ?? 0) * MAX_FORM_CHARS_PER_UNIT;
    this.hasSpace = this.secrets.some((s) => s.includes(' '));
    this.fragmentsFrom = opts.fragmentsFrom ?? null;
    const n = this.fragmentsFrom;
    if (n !== null) {
      for (const s of this.secrets) for (let i = 0; i + n <= s.length; i++) this.grams.add(s.slice(i, i + n));
    }
  }

  /** The text with every secret found in it replaced by [redacted]. */
  redact(text: string): string {
    return this.redactHead(text, text.length);
  }

  /**
   * The first `keep` characters of text, redacted. A secret starting among them is cut whole even when
   * it runs past them; everything else past them is dropped, so the tail of a text cut short (where a
   * secret may be cut in half) never shows. Hand over at least keep + margin characters when there are
   * more; more than that is not looked at.
   */
  redactHead(text: string, keep: number): string {
    if (this.secrets.length === 0 || text.length === 0) return text.slice(0, keep);
    // Past keep + margin nothing can start a secret that shows.
    const spans = this.find(text.slice(0, keep + this.margin));
    let out = '';
    let at = 0;
    for (const [from, to] of spans) {
      if (from >= keep) break;
      out += text.slice(at, from) + REDACTED;
      at = to;
    }
    if (at < keep) out += text.slice(at, keep);
    return out;
  }

  /** The spans of text holding a secret, sorted, overlapping ones merged. */
  private find(text: string): Array<[number, number]> {
    const spans: Array<[number, number]> = [];
    for (const view of this.views(text)) {
      for (const secret of this.secrets) {
        for (let i = view.text.indexOf(secret); i !== -1; i = view.text.indexOf(secret, i + secret.length)) {
          spans.push([view.start(i), view.end(i + secret.length - 1)]);
        }
      }
      if (this.fragmentsFrom !== null) this.findFragments(view, spans);
    }
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged: Array<[number, number]> = [];
    for (const span of spans) {
      const last = merged.at(-1);
      if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    }
    return merged;
  }

  /** Runs of fragmentsFrom or more characters that occur inside one secret, each taken as long as it goes. */
  private findFragments(view: View, spans: Array<[number, number]>): void {
    const n = this.fragmentsFrom!;
    const t = view.text;
    for (let i = 0; i + n <= t.length; ) {
      if (!this.grams.has(t.slice(i, i + n))) {
        i++;
        continue;
      }
      let j = i + n;
      while (j < t.length && this.secrets.some((s) => s.includes(t.slice(i, j + 1)))) j++;
      spans.push([view.start(i), view.end(j - 1)]);
      i = j;
    }
  }

  private views(text: string): View[] {
    const views: View[] = [identity(text)];
    if (text.includes('\\')) views.push(jsonUnescaped(text));
    if (text.includes('%')) views.push(percentDecoded(text, false));
    if (this.hasSpace && text.includes('+')) views.push(percentDecoded(text, true));
    return views;
  }
}

/**
 * The secrets inside one credential value: the value, its token without the auth scheme
 * ("Bearer abc" → "abc"), and for HTTP Basic the decoded "user:password", user and password.
 */
export function credentialParts(value: string): string[] {
  const parts = [value];
  const m = /^([A-Za-z][A-Za-z0-9_-]*)\s+(\S.*)$/.exec(value.trim());
  if (!m) return parts;
  const [, scheme, token] = m as unknown as [string, string, string];
  parts.push(token);
  if (scheme.toLowerCase() === 'basic' && /^[A-Za-z0-9+/]+={0,2}$/.test(token)) {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon !== -1 && !decoded.includes('\uFFFD')) parts.push(decoded, decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  return parts;
}

/** A base64 secret as base64url too (JWTs, URL-safe tokens), padding dropped. */
export function withBase64Url(b64: string): string[] {
  return [b64, b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')];
}

/** The first `maxBytes` UTF-8 bytes of text, never ending inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text).subarray(0, maxBytes);
  // A character cut in two decodes to U+FFFD at the very end: drop it.
  return new TextDecoder().decode(bytes, { stream: true });
}

/** At most max characters of redacted text, never ending inside a [redacted] mark; a cut is shown with an ellipsis. */
export function clipRedacted(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const mark = text.lastIndexOf(REDACTED, cut);
  if (mark !== -1 && mark + REDACTED.length > cut) cut = mark;
  return `${text.slice(0, cut)}…`;
}

/** A URL's userinfo, decoded, and the Basic authorization it stands for; null when it has none. */
export function urlCredentials(url: string): { user: string; password: string; authorization: string } | null {
  if (!url.includes('@')) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!u.username && !u.password) return null;
  const user = safeDecode(u.username);
  const password = safeDecode(u.password);
  return { user, password, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Credentials in a URL's userinfo (`https://user:password@host`, or a token as the user name) shown
 * as `***`, as header values are never shown. A URL without them is returned exactly as given.
 */
export function maskUrlCredentials(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (!u.username && !u.password) return url;
  if (u.password) u.password = '***';
  else u.username = '***';
  return u.toString();
}

const SIGNING_SECRET_PREFIX = 'whsec_';

/** A signing secret whole, and the base64 key after whsec_ (also as base64url). */
export function signingSecretParts(secret: string): string[] {
  return secret.startsWith(SIGNING_SECRET_PREFIX) ? [secret, ...withBase64Url(secret.slice(SIGNING_SECRET_PREFIX.length))] : [secret];
}

/** What of a subscription is secret (its shape, so util/ needs nothing from store/). */
export interface SubscriptionSecretsOf {
  url: string;
  headers: Record<string, string>;
  secret: string;
  previousSecrets: ReadonlyArray<{ secret: string }>;
}

/**
 * Everything a receiver could echo that is secret: header values (and the token inside an
 * Authorization value), the URL's user and password with the Basic value made of them, and the
 * signing secrets, current and previous, whole and as the base64 key after whsec_.
 */
export function subscriptionSecrets(sub: SubscriptionSecretsOf): string[] {
  const out: string[] = [];
  for (const value of Object.values(sub.headers)) out.push(...credentialParts(value));
  const credentials = urlCredentials(sub.url);
  if (credentials) {
    out.push(credentials.user, credentials.password, ...credentialParts(credentials.authorization));
  }
  // Every earlier secret still stored, in its grace period or not: a receiver may echo any of them.
  for (const secret of [sub.secret, ...sub.previousSecrets.map((p) => p.secret)]) out.push(...signingSecretParts(secret));
  return out;
}

// One redactor per subscription as read from the store: a changed subscription is a new object.
const subscriptionRedactors = new WeakMap<SubscriptionSecretsOf, Redactor>();

/** The redactor for a subscription's attempt log (response excerpt and headers). */
export function subscriptionRedactor(sub: SubscriptionSecretsOf): Redactor {
  let redactor = subscriptionRedactors.get(sub);
  if (!redactor) subscriptionRedactors.set(sub, (redactor = new Redactor(subscriptionSecrets(sub))));
  return redactor;
}

/**
 * The redactor for a vendor's error bodies, from the source's auth header values. Error messages
 * quote the vendor's body, and they end up in logs and on GET /v1/sources: a vendor echoing the key
 * it was sent ("invalid key abc...") must not leak it, escaped, encoded or cut short. Keys are
 * random, so eight of their characters in a row are never there by chance. Of "Bearer <key>" only
 * the token: the scheme word is no secret, and in fragments it would match prose.
 */
export function vendorKeyRedactor(authHeaders: Record<string, string>): Redactor {
  const keys = Object.values(authHeaders).flatMap((v) => {
    const parts = credentialParts(v);
    return parts.length > 1 ? parts.slice(1) : parts;
  });
  return new Redactor(keys, { minLength: 8, fragmentsFrom: 8 });
}
