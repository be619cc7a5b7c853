// The redactor (src/util/redact.ts): every form a secret can be echoed in is cut, a secret straddling
// a cut is cut whole, and text that only resembles a secret is left alone.
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, credentialParts, truncateUtf8 } from '../src/util/redact.js';

const KEY = 'ak/live/8f3a+Zq9"x\\y é';

/** Every form of KEY the redactor must find. */
const forms: Record<string, string> = {
  raw: KEY,
  'JSON.stringify': JSON.stringify(KEY).slice(1, -1),
  'JSON with escaped slashes (PHP)': JSON.stringify(KEY).slice(1, -1).replace(/\//g, '\\/'),
  'JSON with \\u escapes (Python ensure_ascii, upper-case hex)': JSON.stringify(KEY)
    .slice(1, -1)
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`),
  'every character \\u-escaped': [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  encodeURIComponent: encodeURIComponent(KEY),
  'percent-encoding in lower-case hex': encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  'form encoding (URLSearchParams)': new URLSearchParams({ k: KEY }).toString().slice(2),
  encodeURI: encodeURI(KEY),
};

describe('redaction', () => {
  const r = new Redactor([KEY]);
  for (const [name, form] of Object.entries(forms)) {
    it(`cuts the ${name} form`, () => {
      const out = r.redact(`before ${form} after`);
      expect(out).toBe(`before ${REDACTED} after`);
    });
  }

  it('cuts every occurrence, and the longer of two secrets where one contains the other', () => {
    const two = new Redactor(['abcd', 'xxabcdxx']);
    expect(two.redact('abcd xxabcdxx abcd')).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
  });

  it('leaves short secrets and look-alikes alone', () => {
    const short = new Redactor(['abc', 'secret-value']);
    expect(short.redact('abc secret-valu SECRET-VALUE')).toBe('abc secret-valu SECRET-VALUE');
  });

  it('redactHead: a secret that starts before the cut is cut whole, the tail after the cut is dropped', () => {
    const s = 'S'.repeat(10) + 'ecret-0123456789';
    const h = new Redactor([s]);
    const text = 'x'.repeat(20) + s + 'y'.repeat(50);
    expect(h.redactHead(text, 25)).toBe('x'.repeat(20) + REDACTED);
    // Many secrets shrink the text; what followed the cut (here half a secret) still never shows.
    const many = `${s} `.repeat(6) + s.slice(0, 12);
    const head = h.redactHead(many, 6 * (s.length + 1));
    expect(head).toBe(`${REDACTED} `.repeat(6));
    expect(h.margin).toBeGreaterThanOrEqual(9 * s.length);
  });

  it('fragments: a run of 8+ characters from inside a key is cut, shorter runs are not', () => {
    const key = 'mega_7f3a9c1e5b2d4f60a1b2c3d4e5f60718';
    const f = new Redactor([key], { fragmentsFrom: 8 });
    expect(f.redact(`key mega_7f3a9c1e… rejected`)).toBe(`key ${REDACTED}… rejected`);
    expect(f.redact(`ends in …e5f60718.`)).toBe(`ends in …${REDACTED}.`);
    expect(f.redact('key mega_7f rejected')).toBe('key mega_7f rejected'); // seven characters
    // Cut short and escaped at once.
    const slashed = new Redactor(['ak/live/0123456789abcdef'], { fragmentsFrom: 8 });
    expect(slashed.redact('{"message":"bad key ak\\/live\\/0123..."}')).toBe(`{"message":"bad key ${REDACTED}..."}`);
    expect(slashed.redact('bad key ak%2Flive%2F01')).toBe(`bad key ${REDACTED}`);
  });

  it('credentialParts: the token after the scheme, and Basic decoded into user and password', () => {
    const basic = `Basic ${Buffer.from('relay@acme:pa ss').toString('base64')}`;
    expect(credentialParts(basic)).toEqual([basic, basic.slice(6), 'relay@acme:pa ss', 'relay@acme', 'pa ss']);
    expect(credentialParts('Bearer abc.def')).toEqual(['Bearer abc.def', 'abc.def']);
    expect(credentialParts('plain-key')).toEqual(['plain-key']);
  });

  it('truncateUtf8 never ends inside a character', () => {
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('aé', 3)).toBe('aé');
    expect(Buffer.byteLength(truncateUtf8('€'.repeat(400), 1024))).toBe(1023);
  });
});
