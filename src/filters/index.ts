// Subscription content filters: parse and check (errors at their path inside the filter), compile
// once into a closure, explain a non-match. Pure: no I/O, no store. docs/filters.md has the syntax.
export { FILTER_LIMITS, parseFilter, type ParseResult } from './parse.js';
export { compileFilter, explainFilter, getter, type FilterFailure, type Predicate } from './compile.js';
export { FilterCache } from './cache.js';
export type { FilterProblem, Node } from './types.js';
export { filterSchema, payloadOptionsSchema } from './schema.js';
export { formatFilterPath } from './compile.js';
