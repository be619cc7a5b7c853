// Cuts secrets out of text we show (attempt-log excerpts, vendor error messages), in whatever form the
// other side echoed them: raw, JSON-escaped (`\"`, `\/`, `\u0041`) or URL-encoded (`%2F`, `+`).
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

/**
 * A text and, for each of its characters, the span of the original text it was decoded from. The
 * secrets are searched for in the text itself and in its decoded views, so an escape anywhere in a
 * secret (PHP's `\/`, Python's `\u00e9`, a form-encoded `+`) cannot hide it; what is cut is the span
 * in the original.
 */
interface View {
  text: string;
  /** Where the view's character i starts in the original, and where it ends. */
  start(i: number): number;
  end(i: number): number;
}

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

function identity(text: string): View {
  return { text, start: (i) => i, end: (i) => i + 1 };
}

function mapped(out: string[], start: number[], end: number[]): View {
  return { text: out.join(''), start: (i) => start[i]!, end: (i) => end[i]! };
}

const JSON_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The text with JSON string escapes decoded (`\"`, `\\`, `\/`, `\n`, `\uXXXX` in either case). */
function jsonUnescaped(text: string): View {
  const out: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const push = (ch: string, from: number, to: number) => {
    out.push(ch);
    start.push(from);
    end.push(to);
  };
  for (let i = 0; i < text.length; ) {
    if (text[i] === '\\' && i + 1 < text.length) {
      const c = text[i + 1]!;
      const simple = Object.hasOwn(JSON_ESCAPES, c) ? JSON_ESCAPES[c] : undefined;
      if (simple !== undefined) {
        push(simple, i, i + 2);
        i += 2;
        continue;
      }
      const hex = text.slice(i + 2, i + 6);
      if (c === 'u' && /^[0-9a-fA-F]{4}$/.test(hex)) {
        push(String.fromCharCode(parseInt(hex, 16)), i, i + 6);
        i += 6;
        continue;
      }
    }
    push(text[i]!, i, i + 1);
    i++;
  }
  return mapped(out, start, end);
}

/** The text with `%XX` sequences that form UTF-8 characters decoded, and `+` as a space when asked. */
function percentDecoded(text: string, plusIsSpace: boolean): View {
  const out: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const byteAt = (i: number): number | null =>
    text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3)) ? parseInt(text.slice(i + 1, i + 3), 16) : null;
  for (let i = 0; i < text.length; ) {
    const lead = byteAt(i);
    if (lead !== null) {
      const n = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
      const bytes = [lead];
      for (let k = 1; k < n; k++) {
        const b = byteAt(i + 3 * k);
        if (b === null || (b & 0xc0) !== 0x80) break;
        bytes.push(b);
      }
      const decoded = n > 0 && bytes.length === n ? Buffer.from(bytes).toString('utf8') : '\uFFFD';
      if (!decoded.includes('\uFFFD')) {
        for (const unit of decoded.split('')) {
          out.push(unit);
          start.push(i);
          end.push(i + 3 * n);
        }
        i += 3 * n;
        continue;
      }
    }
    out.push(plusIsSpace && text[i] === '+' ? ' ' : text[i]!);
    start.push(i);
    end.push(i + 1);
    i++;
  }
  return mapped(out, start, end);
}
