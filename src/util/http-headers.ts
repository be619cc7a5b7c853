// What an HTTP header may hold (RFC 9110, and exactly what undici sends): checked when a subscription
// is saved, and again before every webhook so that a row stored by an older relay cannot reach undici.

/** RFC 9110 token characters: what undici accepts as a header name. */
const NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isValidHeaderName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * Why `value` cannot be sent as a header value, or null. undici refuses anything but tab, space,
 * visible ASCII and obs-text (U+0080..U+00FF, sent as Latin-1 bytes). The value itself is never
 * quoted: header values are secrets.
 */
export function headerValueProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff)) continue;
    const what = c > 0xff ? 'a character above U+00FF' : 'a control character';
    return `contains ${what} (position ${i + 1}); a header value may hold only tabs, spaces, visible ASCII and Latin-1 characters (U+0080 to U+00FF)`;
  }
  return null;
}

/** The first header that cannot be sent, with the reason, or null. */
export function invalidHeader(headers: Record<string, string>): { name: string; problem: string } | null {
  for (const [name, value] of Object.entries(headers)) {
    if (!isValidHeaderName(name)) return { name, problem: 'is not a valid header name' };
    const problem = headerValueProblem(value);
    if (problem) return { name, problem };
  }
  return null;
}
