// Decoded views of a text for the redactor: JSON-unescaped and URL-decoded, each character mapped back to its span.

/**
 * A text and, for each of its characters, the span of the original text it was decoded from. The
 * secrets are searched for in the text itself and in its decoded views, so an escape anywhere in a
 * secret (PHP's `\/`, Python's `\u00e9`, a form-encoded `+`) cannot hide it; what is cut is the span
 * in the original.
 */
export interface View {
  text: string;
  /** Where the view's character i starts in the original, and where it ends. */
  start(i: number): number;
  end(i: number): number;
}

export function identity(text: string): View {
  return { text, start: (i) => i, end: (i) => i + 1 };
}

function mapped(out: string[], start: number[], end: number[]): View {
  return { text: out.join(''), start: (i) => start[i]!, end: (i) => end[i]! };
}

const JSON_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The text with JSON string escapes decoded (`\"`, `\\`, `\/`, `\n`, `\uXXXX` in either case). */
export function jsonUnescaped(text: string): View {
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
export function percentDecoded(text: string, plusIsSpace: boolean): View {
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
