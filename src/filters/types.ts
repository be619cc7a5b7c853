// The shape of a parsed subscription filter: a tree of all/any groups over conditions on one field
// of the webhook body each. Parsed and checked once (parse.ts), compiled into closures (compile.ts).
import type { Json } from '../model.js';

/** A plain JSON value a condition compares with (never an object or array). */
export type Scalar = string | number | boolean | null;

export type CompareOp = '$eq' | '$neq' | '$in' | '$nin' | '$gt' | '$gte' | '$lt' | '$lte' | '$exist' | '$regex' | '$changed';
export type ChangeOp = '$to' | '$from';
export type Operator = CompareOp | ChangeOp;

/** What a value is tested against: one operator and its operand (checked, compiled where needed). */
export type ValueTest =
  | { op: '$eq' | '$neq'; operand: Scalar }
  | { op: '$in' | '$nin'; operand: Scalar[] }
  | { op: '$gt' | '$gte' | '$lt' | '$lte'; operand: string | number }
  | { op: '$exist'; operand: boolean }
  | { op: '$regex'; operand: string; matches: (s: string) => boolean }
  /** A list: the field (an array, e.g. data.changes) holds one of these paths. true/false: the field itself changed or not. */
  | { op: '$changed'; operand: string[] | boolean };

export interface Condition {
  kind: 'condition';
  /** Where in the filter it was written, for errors and explain: e.g. ['$or', 1, 'data', 'lead', 'status', '$in']. */
  at: PropertyKey[];
  /** The field in the webhook body, e.g. ['data', 'lead', 'status']. */
  field: string[];
  /** $to / $from: the field must have changed, and its new / earlier value passes `tests`. */
  change: ChangeOp | null;
  /** Every one must pass (a plain value is one $eq). */
  tests: ValueTest[];
  /** The operand as written, for explain. */
  written: Json;
}

export interface Group {
  kind: 'all' | 'any';
  at: PropertyKey[];
  items: Node[];
}

export type Node = Condition | Group;

/** A filter problem, at its path inside the filter (the caller puts `filter` in front). */
export interface FilterProblem {
  path: PropertyKey[];
  message: string;
}
