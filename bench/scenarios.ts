// The benchmark scenarios, by name (npm run bench -- <name>).
import type { Scenario } from './lib.js';

export const scenarios: Scenario[] = [];
