// Parses and checks a subscription filter (Convoy's syntax plus $changed/$to/$from) into a tree:
// every problem is reported at its path inside the filter, e.g. ['$or', 1, 'data', 'lead', 'status', '$in'].
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import type { RE2JS as RE2JSClass } from 're2js';
import type { Json } from '../model.js';
import type { ChangeOp, Condition, FilterProblem, Node, Scalar, ValueTest } from './types.js';

/** Bounds that keep one filter cheap to store, compile and run on every event. */
export const FILTER_LIMITS = {
  /** JSON text of the whole filter. */
  bytes: 16 * 1024,
  /** Conditions (one per operator or plain value) in the whole filter. */
  conditions: 100,
  /** Nesting of objects, $or and $and. */
  depth: 16,
  /** Values in one $in / $nin / $changed list. */
  listItems: 1000,
  /** Characters of a $regex pattern (run by RE2: linear time in the input, whatever the pattern). */
  regexLength: 256,
} as const;

const COMPARE_OPS = new Set(['$eq', '$neq', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exist', '$regex', '$changed']);
const CHANGE_OPS = new Set(['$to', '$from']);
const GROUP_OPS = new Set(['$or', '$and']);
const ALL_OPS = [...COMPARE_OPS, ...CHANGE_OPS, ...GROUP_OPS].join(' ');

export type ParseResult = { ok: true; root: Node; conditions: number } | { ok: false; problems: FilterProblem[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
/** An object of operators ({"$in": [...]}) rather than of field names. */
const isOperatorObject = (v: Record<string, unknown>) => Object.keys(v).some((k) => k.startsWith('$') && !GROUP_OPS.has(k));
const show = (v: unknown) => JSON.stringify(v);

/** Parses a filter; `null` / absent filters are the caller's business (no filter: everything matches). */
export function parseFilter(input: unknown): ParseResult {
  const problems: FilterProblem[] = [];
  const state = { conditions: 0, problems };
  if (!isObject(input)) return { ok: false, problems: [{ path: [], message: 'expected an object, e.g. {"data.lead.status": "won"}' }] };
  let size = 0;
  try {
    size = Buffer.byteLength(JSON.stringify(input));
  } catch {
    return { ok: false, problems: [{ path: [], message: 'is not JSON' }] };
  }
  if (size > FILTER_LIMITS.bytes) return { ok: false, problems: [{ path: [], message: `is ${size} bytes of JSON; at most ${FILTER_LIMITS.bytes}` }] };
  const root = parseObject(input, [], [], 0, state);
  if (state.conditions > FILTER_LIMITS.conditions) {
    problems.push({ path: [], message: `has ${state.conditions} conditions; at most ${FILTER_LIMITS.conditions}` });
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, root, conditions: state.conditions };
}

interface State {
  conditions: number;
  problems: FilterProblem[];
}

/** An object of fields (and $or/$and): all of its entries must hold. `field`: the body path so far. */
function parseObject(obj: Record<string, unknown>, field: string[], at: PropertyKey[], depth: number, s: State): Node {
  const items: Node[] = [];
  if (depth > FILTER_LIMITS.depth) {
    s.problems.push({ path: at, message: `nested deeper than ${FILTER_LIMITS.depth} levels` });
    return { kind: 'all', at, items };
  }
  const keys = Object.keys(obj);
  if (keys.length === 0) s.problems.push({ path: at, message: 'is an empty object: give a field and a value or operator' });
  for (const key of keys) {
    const value = obj[key];
    if (GROUP_OPS.has(key)) {
      items.push(parseGroup(key as '$or' | '$and', value, field, [...at, key], depth, s));
      continue;
    }
    if (key.startsWith('$')) {
      const hint = field.length ? 'operators go inside a field\'s object, not beside field names' : 'put it inside a field, e.g. {"data.lead.status": {"$eq": "won"}}';
      s.problems.push({ path: [...at, key], message: COMPARE_OPS.has(key) || CHANGE_OPS.has(key) ? `cannot stand here: ${hint}` : `unknown operator; one of ${ALL_OPS}` });
      continue;
    }
    const segments = key.split('.');
    const keyAt = [...at, ...segments];
    if (segments.some((p) => p === '')) {
      s.problems.push({ path: [...at, key], message: 'has an empty path segment (two dots in a row, or a dot at an end)' });
      continue;
    }
    items.push(parseField(value, [...field, ...segments], keyAt, depth, s));
  }
  return items.length === 1 ? items[0]! : { kind: 'all', at, items };
}

function parseGroup(op: '$or' | '$and', value: unknown, field: string[], at: PropertyKey[], depth: number, s: State): Node {
  const items: Node[] = [];
  if (!Array.isArray(value) || value.length === 0) {
    s.problems.push({ path: at, message: 'expected a non-empty array of filters' });
  } else {
    value.forEach((item, i) => {
      if (!isObject(item)) s.problems.push({ path: [...at, i], message: 'expected an object (a filter)' });
      else items.push(parseObject(item, field, [...at, i], depth + 1, s));
    });
  }
  return { kind: op === '$or' ? 'any' : 'all', at, items };
}

/** The value given for a field: a plain value, an object of operators, or more fields (nested). */
function parseField(value: unknown, field: string[], at: PropertyKey[], depth: number, s: State): Node {
  if (isObject(value)) {
    if (!isOperatorObject(value)) return parseObject(value, field, at, depth + 1, s);
    const items: Node[] = [];
    for (const [op, operand] of Object.entries(value)) {
      const opAt = [...at, op];
      if (!op.startsWith('$') || GROUP_OPS.has(op)) {
        s.problems.push({ path: opAt, message: 'cannot mix operators and field names in one object; nest the field on its own' });
        continue;
      }
      if (CHANGE_OPS.has(op)) {
        const node = parseChange(op as ChangeOp, operand, field, opAt, s);
        if (node) items.push(node);
        continue;
      }
      const test = parseTest(op, operand, field, opAt, s);
      if (test) items.push(condition(field, opAt, null, [test], operand, s));
    }
    return items.length === 1 ? items[0]! : { kind: 'all', at, items };
  }
  if (Array.isArray(value)) {
    s.problems.push({ path: at, message: 'a plain array is not a condition: use {"$in": [...]} for "one of these values"' });
    return { kind: 'all', at, items: [] };
  }
  if (!isScalar(value)) {
    s.problems.push({ path: at, message: 'expected a string, number, boolean, null or an object of operators' });
    return { kind: 'all', at, items: [] };
  }
  return condition(field, at, null, [{ op: '$eq', operand: value }], value, s);
}

function condition(field: string[], at: PropertyKey[], change: ChangeOp | null, tests: ValueTest[], written: unknown, s: State): Condition {
  s.conditions++;
  return { kind: 'condition', at, field, change, tests, written: written as Json };
}

/** $to / $from on a field of data.lead: a plain value, or an object of comparison operators. */
function parseChange(op: ChangeOp, operand: unknown, field: string[], at: PropertyKey[], s: State): Condition | null {
  if (field.length < 3 || field[0] !== 'data' || field[1] !== 'lead') {
    s.problems.push({ path: at, message: `applies to a field of data.lead (e.g. {"data.lead.status": {"${op}": "won"}}), not ${field.join('.')}` });
    return null;
  }
  const tests: ValueTest[] = [];
  if (isObject(operand)) {
    const entries = Object.entries(operand);
    if (entries.length === 0) s.problems.push({ path: at, message: 'expected a value or an object of operators, got {}' });
    for (const [inner, innerOperand] of entries) {
      if (!COMPARE_OPS.has(inner) || inner === '$changed') {
        s.problems.push({ path: [...at, inner], message: `expected one of $eq $neq $in $nin $gt $gte $lt $lte $exist $regex inside ${op}` });
        continue;
      }
      const t = parseTest(inner, innerOperand, field, [...at, inner], s);
      if (t) tests.push(t);
    }
  } else if (isScalar(operand)) {
    tests.push({ op: '$eq', operand });
  } else {
    s.problems.push({ path: at, message: 'expected a string, number, boolean, null or an object of operators' });
    return null;
  }
  return condition(field, at, op, tests, operand, s);
}

function parseTest(op: string, operand: unknown, field: string[], at: PropertyKey[], s: State): ValueTest | null {
  const bad = (message: string) => {
    s.problems.push({ path: at, message });
    return null;
  };
  switch (op) {
    case '$eq':
    case '$neq':
      return isScalar(operand) ? { op, operand } : bad(`expected a string, number, boolean or null, got ${show(operand)}`);
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand)) return bad('expected an array');
      if (operand.length === 0) return bad('expected at least one value');
      if (operand.length > FILTER_LIMITS.listItems) return bad(`has ${operand.length} values; at most ${FILTER_LIMITS.listItems}`);
      const i = operand.findIndex((v) => !isScalar(v));
      if (i >= 0) return bad(`[${i}] is ${show(operand[i])}: expected strings, numbers, booleans or null`);
      return { op, operand: operand as Scalar[] };
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return typeof operand === 'string' || (typeof operand === 'number' && Number.isFinite(operand))
        ? { op, operand }
        : bad(`expected a number or a string (ISO times compare as strings), got ${show(operand)}`);
    case '$exist':
      return typeof operand === 'boolean' ? { op, operand } : bad(`expected true or false, got ${show(operand)}`);
    case '$regex': {
      if (typeof operand !== 'string') return bad(`expected a string (a regular expression), got ${show(operand)}`);
      if (operand.length > FILTER_LIMITS.regexLength) return bad(`is ${operand.length} characters long; at most ${FILTER_LIMITS.regexLength}`);
      try {
        return { op, operand, matches: compileRegex(operand) };
      } catch (err) {
        return bad(`is not a valid regular expression (RE2 syntax: no lookarounds or backreferences): ${(err as Error).message}`);
      }
    }
    case '$changed': {
      if (typeof operand === 'boolean') {
        if (field.length < 3 || field[0] !== 'data' || field[1] !== 'lead') {
          return bad(`true/false applies to a field of data.lead (e.g. {"data.lead.status": {"$changed": true}}); for a list of paths use {"data.changes": {"$changed": [...]}}`);
        }
        return { op, operand };
      }
      const list = typeof operand === 'string' ? [operand] : operand;
      if (!Array.isArray(list) || list.length === 0) return bad('expected a non-empty array of lead field paths, e.g. ["status", "owner.id"], or true/false');
      if (list.length > FILTER_LIMITS.listItems) return bad(`has ${list.length} paths; at most ${FILTER_LIMITS.listItems}`);
      const i = list.findIndex((v) => typeof v !== 'string' || v === '');
      if (i >= 0) return bad(`[${i}] is ${show(list[i])}: expected a lead field path such as "status"`);
      return { op, operand: list as string[] };
    }
    default:
      return bad(`unknown operator; one of ${ALL_OPS}`);
  }
}

/**
 * A $regex as a test function. Every pattern must be valid RE2 syntax (re2js compiles it: no
 * lookarounds, no backreferences). re2js matches in time linear in the input, whatever the pattern,
 * but costs ~1.6 us a match (measured; V8's own engine: ~0.02 us), which at 100 filtered
 * subscriptions was most of fan-out's time. So a pattern that cannot backtrack badly runs on V8's
 * engine: no quantified group that itself holds a quantifier or an alternation ((a+)+, (a|aa)*),
 * at most 3 unbounded quantifiers (.*x.*y.*z stays polynomial of a low degree), no counted
 * repetition above 100, and no syntax where RE2 and JavaScript differ. Anything else runs on RE2.
 * As a second net, V8 is told to switch to its linear engine on excessive backtracking.
 */
export function compileRegex(pattern: string): (text: string) => boolean {
  const re2 = re2js().compile(pattern);
  const native = nativeIfSafe(pattern);
  if (native) return (text) => native.test(text);
  return (text) => re2.matcher(text).find();
}

let backtrackGuard = false;
let re2Class: typeof RE2JSClass | null = null;

/** re2js (~900 KB) loaded on the first $regex only: every CLI start and config check would pay for it otherwise. */
function re2js(): typeof RE2JSClass {
  re2Class ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  return re2Class;
}

function nativeIfSafe(pattern: string): RegExp | null {
  let body = pattern;
  let flags = '';
  if (body.startsWith('(?i)')) {
    body = body.slice(4);
    flags = 'i';
  }
  // RE2-only syntax, or syntax whose meaning differs between the two engines.
  if (/\\[pPzAQEC]|\[\[:|\(\?|\\[1-9]/.test(body)) return null;
  if (!backtrackSafe(body)) return null;
  if (!backtrackGuard) {
    backtrackGuard = true;
    v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  }
  try {
    return new RegExp(body, flags);
  } catch {
    return null;
  }
}

/** Star height 1, no alternation under a quantifier, few unbounded quantifiers, small counts. */
function backtrackSafe(p: string): boolean {
  // Per open group: whether it holds a quantifier or a | (directly or in a nested group).
  const groups: Array<{ risky: boolean }> = [];
  let unbounded = 0;
  let lastGroupRisky = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    let quantifier: string | null = null;
    if (ch === '\\') {
      i++;
      lastGroupRisky = false;
      continue;
    }
    if (ch === '[') {
      // A character class: skip to its end (a ] right after [ or [^ is a literal).
      let j = i + 1;
      if (p[j] === '^') j++;
      if (p[j] === ']') j++;
      while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
      i = j;
      lastGroupRisky = false;
      continue;
    }
    if (ch === '(') {
      groups.push({ risky: false });
      lastGroupRisky = false;
      continue;
    }
    if (ch === ')') {
      const g = groups.pop();
      lastGroupRisky = g?.risky ?? false;
      if (g?.risky && groups.length) groups[groups.length - 1]!.risky = true;
      continue;
    }
    if (ch === '|') {
      if (groups.length) groups[groups.length - 1]!.risky = true;
      lastGroupRisky = false;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?') quantifier = ch;
    else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m) {
        quantifier = m[0];
        const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        if (Number(m[1]) > 100 || (max !== Infinity && max > 100)) return false;
        i += m[0].length - 1;
      }
    }
    if (quantifier) {
      if (p[i + 1] === '?') i++; // lazy
      if (quantifier === '*' || quantifier === '+' || /,\}$/.test(quantifier)) unbounded++;
      if (lastGroupRisky && quantifier !== '?') return false;
      if (groups.length) groups[groups.length - 1]!.risky = true;
      lastGroupRisky = false;
      continue;
    }
    lastGroupRisky = false;
  }
  return unbounded <= 3 && groups.length === 0;
}
