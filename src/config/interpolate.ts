// Replaces ${NAME} and ${NAME:-default} in every string of a parsed config tree with environment values.

export type Env = Record<string, string | undefined>;

/** A location in the config tree: object keys and array indexes, outermost first. */
export type ConfigPath = readonly (string | number)[];

export interface PathProblem {
  path: ConfigPath;
  message: string;
}

export interface InterpolationResult {
  value: unknown;
  /** Every problem found, in document order; empty when interpolation succeeded. */
  problems: PathProblem[];
}

const ROOT_LABEL = '(root)';
const PLAIN_KEY_RE = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['sources', 1, 'apiKey']` -> `sources[1].apiKey`; the empty path is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
    } else {
      const key = String(seg);
      if (PLAIN_KEY_RE.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? ROOT_LABEL : out;
}

/** `path: message`, the shape of every config problem shown to users. */
export function formatProblem(p: PathProblem): string {
  return `${formatPath(p.path)}: ${p.message}`;
}

const REF_RE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Interpolates one string. `$${` is a literal `${`. Problems carry no path; messages never
 * contain the string's text or any variable's value, only variable names.
 */
export function interpolateString(s: string, env: Env): { value: string; problems: string[] } {
  const problems: string[] = [];
  if (!s.includes('$')) return { value: s, problems };
  let out = '';
  let i = 0;
  while (i < s.length) {
    const dollar = s.indexOf('$', i);
    if (dollar === -1) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, dollar);
    if (s.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      continue;
    }
    if (!s.startsWith('${', dollar)) {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = s.indexOf('}', dollar + 2);
    if (close === -1) {
      problems.push('unterminated "${"; write "$${" for a literal "${"');
      break;
    }
    const m = REF_RE.exec(s.slice(dollar + 2, close));
    i = close + 1;
    if (!m) {
      problems.push('invalid variable reference; expected ${NAME} or ${NAME:-default} (write "$${" for a literal "${")');
      continue;
    }
    const name = m[1] as string;
    const fallback = m[2];
    const value = env[name];
    if (fallback !== undefined) {
      // Shell semantics: ":-" also applies when the variable is set but empty.
      out += value === undefined || value === '' ? fallback : value;
    } else if (value === undefined) {
      problems.push(`environment variable ${name} is not set`);
    } else {
      out += value;
    }
  }
  return { value: out, problems };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns a copy of `tree` with every string interpolated (keys are left alone) and every
 * problem found anywhere in it, each with its path. A string with a problem keeps whatever could
 * be substituted; callers should not use the value when `problems` is non-empty.
 */
export function interpolate(tree: unknown, env: Env = process.env): InterpolationResult {
  const problems: PathProblem[] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const r = interpolateString(v, env);
      for (const message of r.problems) problems.push({ path: [...path], message });
      return r.value;
    }
    if (Array.isArray(v)) {
      return v.map((item, i) => walk(item, [...path, i]));
    }
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) {
        // defineProperty so that a "__proto__" key stays a plain key (and is then rejected as
        // unknown) instead of replacing the object's prototype.
        Object.defineProperty(out, k, {
          value: walk(child, [...path, k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return v;
  };
  const value = walk(tree, []);
  return { value, problems };
}
