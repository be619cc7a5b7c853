// Human error messages for config and admin API input (zod issues). Messages name what is wrong,
// never the offending value: config values include secrets (apiKey, adminToken, secret), and error
// text ends up in logs and terminals.
import type { z } from 'zod';

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  return typeof v;
}

function sizeMessage(kind: 'small' | 'big', origin: string, bound: number | bigint, inclusive: boolean | undefined): string {
  const n = Number(bound);
  if (origin === 'string' || origin === 'array' || origin === 'set') {
    const unit = origin === 'string' ? 'character' : 'item';
    if (kind === 'small' && n === 1) return 'must not be empty';
    const limit = inclusive === false ? (kind === 'small' ? n + 1 : n - 1) : n;
    return `must have ${kind === 'small' ? 'at least' : 'at most'} ${limit} ${unit}${limit === 1 ? '' : 's'}`;
  }
  if (inclusive === false) return `must be ${kind === 'small' ? 'greater' : 'less'} than ${n}`;
  return `must be ${kind === 'small' ? 'at least' : 'at most'} ${n}`;
}

/**
 * zod error map producing the messages the config contract promises: `required`,
 * `expected number, got string`, `unknown key "prot"`, `must be one of a, b`. Shared with the
 * admin API so that both report bad input the same way.
 */
export const humanErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required';
      if (iss.expected === 'int') return 'expected an integer';
      if (iss.expected === 'number' && typeof iss.input === 'number') return 'expected a finite number';
      return `expected ${iss.expected}, got ${describeType(iss.input)}`;
    case 'unrecognized_keys':
      return iss.keys.length === 1
        ? `unknown key ${JSON.stringify(iss.keys[0])}`
        : `unknown keys ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      if (iss.input === undefined) return 'required';
      return `must be one of ${iss.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      if (iss.origin === 'number' && iss.minimum === Number.MIN_SAFE_INTEGER) return 'expected a safe integer';
      return sizeMessage('small', iss.origin, iss.minimum, iss.inclusive);
    case 'too_big':
      if (iss.origin === 'number' && iss.maximum === Number.MAX_SAFE_INTEGER) return 'expected a safe integer';
      return sizeMessage('big', iss.origin, iss.maximum, iss.inclusive);
    case 'invalid_format':
      return iss.format === 'regex' ? 'has an invalid format' : `must be a valid ${iss.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    case 'invalid_union':
      return 'does not match any allowed form';
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid element';
    case 'custom':
      return iss.message ?? 'is invalid';
    default:
      return 'is invalid';
  }
};
