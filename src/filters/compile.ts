// Turns a parsed filter into one closure over the parsed webhook body (run per event at fan-out),
// and explains a non-match: which condition failed, what the body held there.
import type { Condition, Node, ValueTest } from './types.js';

export type Predicate = (body: unknown) => boolean;
type ValueCheck = (value: unknown, body: unknown) => boolean;

const hasOwn = Object.prototype.hasOwnProperty;

/** Reads a field of the body: object keys, and array indexes written as numbers ("emails.0"). */
export function getter(field: readonly string[]): (body: unknown) => unknown {
  const indexes = field.map((seg) => (/^\d+$/.test(seg) ? Number(seg) : -1));
  return (body) => {
    let cur = body;
    for (let i = 0; i < field.length; i++) {
      if (cur === null || typeof cur !== 'object') return undefined;
      if (Array.isArray(cur)) {
        const n = indexes[i]!;
        cur = n >= 0 ? cur[n] : undefined;
      } else {
        const seg = field[i]!;
        cur = hasOwn.call(cur, seg) ? (cur as Record<string, unknown>)[seg] : undefined;
      }
    }
    return cur;
  };
}

/** Two dotted lead paths overlap: equal, or one inside the other ("owner" and "owner.id"). */
function overlaps(a: string, b: string): boolean {
  return a === b || (a.length > b.length ? a.startsWith(b) && a[b.length] === '.' : b.startsWith(a) && b[a.length] === '.');
}

const getChanges = getter(['data', 'changes']);

/** Whether the lead field `rel` ("status", "owner.id") is among data.changes (lead.updated only). */
function changedIn(body: unknown, rel: string): boolean {
  const changes = getChanges(body);
  if (!Array.isArray(changes)) return false;
  for (const c of changes) if (typeof c === 'string' && overlaps(c, rel)) return true;
  return false;
}

/**
 * `test` on the value, or on each element of an array value (any may pass). Built once per
 * condition: no closure is allocated per evaluation (fan-out runs these events x subscriptions times).
 */
function anyOf(test: (v: unknown) => boolean): (value: unknown) => boolean {
  return (value) => {
    if (!Array.isArray(value)) return test(value);
    for (const e of value) if (test(e)) return true;
    return false;
  };
}

function valueCheck(t: ValueTest, field: readonly string[]): ValueCheck {
  switch (t.op) {
    case '$eq': {
      const x = t.operand;
      return (v) => (Array.isArray(v) ? v.includes(x) : v === x);
    }
    case '$neq': {
      const x = t.operand;
      return (v) => !(Array.isArray(v) ? v.includes(x) : v === x);
    }
    case '$in': {
      const set = new Set<unknown>(t.operand);
      return anyOf((e) => set.has(e));
    }
    case '$nin': {
      const set = new Set<unknown>(t.operand);
      const any = anyOf((e) => set.has(e));
      return (v) => !any(v);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const x = t.operand;
      const kind = typeof x;
      const cmp =
        t.op === '$gt' ? (a: string | number) => a > x : t.op === '$gte' ? (a: string | number) => a >= x : t.op === '$lt' ? (a: string | number) => a < x : (a: string | number) => a <= x;
      // Numbers with numbers, strings with strings (ISO times): never across types.
      return anyOf((e) => typeof e === kind && cmp(e as string | number));
    }
    case '$exist': {
      const want = t.operand;
      return (v) => (v !== undefined) === want;
    }
    case '$regex': {
      const matches = t.matches;
      return anyOf((e) => typeof e === 'string' && matches(e));
    }
    case '$changed': {
      const operand = t.operand;
      if (typeof operand === 'boolean') {
        const rel = field.slice(2).join('.');
        return (_v, body) => changedIn(body, rel) === operand;
      }
      return (v) => Array.isArray(v) && v.some((c) => typeof c === 'string' && operand.some((p) => overlaps(c, p)));
    }
  }
}

interface CompiledCondition {
  node: Condition;
  read: (body: unknown) => unknown;
  checks: ValueCheck[];
  rel: string;
}

function compileCondition(node: Condition): CompiledCondition {
  const rel = node.field.slice(2).join('.');
  // $from reads the value the lead had: data.previous.<field>.
  const read = node.change === '$from' ? getter(['data', 'previous', ...node.field.slice(2)]) : getter(node.field);
  return { node, read, checks: node.tests.map((t) => valueCheck(t, node.field)), rel };
}

function conditionPredicate(c: CompiledCondition): Predicate {
  const { read, checks, rel } = c;
  const change = c.node.change !== null;
  if (!change && checks.length === 1) {
    const check = checks[0]!;
    return (body) => check(read(body), body);
  }
  return (body) => {
    if (change && !changedIn(body, rel)) return false;
    const v = read(body);
    for (const check of checks) if (!check(v, body)) return false;
    return true;
  };
}

/** The filter as one closure: evaluated per (event, subscription) at fan-out, so built once. */
export function compileFilter(root: Node): Predicate {
  if (root.kind === 'condition') return conditionPredicate(compileCondition(root));
  const parts = root.items.map(compileFilter);
  if (root.kind === 'all') {
    if (parts.length === 1) return parts[0]!;
    return (body) => {
      for (const p of parts) if (!p(body)) return false;
      return true;
    };
  }
  return (body) => {
    for (const p of parts) if (p(body)) return true;
    return false;
  };
}

/** Why a body does not match: the failing condition (where in the filter, what it found), or every failing branch of an $or. */
export interface FilterFailure {
  /** Where in the filter, e.g. filter.$or[1].data.lead.status.$in. */
  at: string;
  message: string;
  /** For an $or: why each branch failed. */
  branches?: FilterFailure[];
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** A path inside the filter as users write it: filter.$or[1].data.lead.status.$in (config's formatPath style). */
export function formatFilterPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += PLAIN_KEY.test(String(seg)) ? (out === '' ? String(seg) : `.${String(seg)}`) : `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

const render = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));

/** Null when the body matches; else the first condition that failed (slow path: for POST /v1/filters/test). */
export function explainFilter(root: Node, body: unknown): FilterFailure | null {
  const at = (path: PropertyKey[]) => formatFilterPath(['filter', ...path]);
  if (root.kind === 'condition') {
    const c = compileCondition(root);
    const fieldText = root.field.join('.');
    if (root.change !== null && !changedIn(body, c.rel)) {
      const changes = getChanges(body);
      const why = Array.isArray(changes) ? `data.changes is ${JSON.stringify(changes)}` : `a ${render(getter(['type'])(body))} event has no data.changes`;
      return { at: at(root.at), message: `${fieldText} did not change (${why})` };
    }
    const v = c.read(body);
    const shown = root.change === '$from' ? `data.previous.${c.rel}` : fieldText;
    for (let i = 0; i < c.checks.length; i++) {
      if (c.checks[i]!(v, body)) continue;
      const t = root.tests[i]!;
      const expected = root.change === null && t.op === '$eq' && root.at.at(-1) !== '$eq' ? `expected ${render(t.operand)}` : `${t.op} ${render(t.operand)} does not hold`;
      const opAt = root.change !== null && root.tests.length > 1 ? [...root.at, t.op] : root.at;
      return { at: at(opAt), message: `${shown} is ${render(v)}; ${expected}` };
    }
    return null;
  }
  if (root.kind === 'all') {
    for (const item of root.items) {
      const f = explainFilter(item, body);
      if (f) return f;
    }
    return null;
  }
  const branches: FilterFailure[] = [];
  for (const item of root.items) {
    const f = explainFilter(item, body);
    if (!f) return null;
    branches.push(f);
  }
  return { at: at(root.at), message: `none of the ${branches.length} alternatives matched`, branches };
}
