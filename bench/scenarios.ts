// The benchmark scenarios, by name (npm run bench -- <name>).
import type { Scenario } from './lib.js';
import { delivery } from './delivery.js';
import { hangingSubscribers } from './hanging-subscribers.js';
import { latency } from './latency.js';
import { initialSync } from './initial-sync.js';
import { steadyState } from './steady-state.js';
import { scale } from './scale.js';
import { pgDelivery } from './pg-delivery.js';
import { pgSync } from './pg-sync.js';
import { fanoutFilters } from './fanout-filters.js';
import { dashboardRender } from './dashboard-render.js';

export const scenarios: Scenario[] = [
  initialSync,
  steadyState,
  delivery,
  hangingSubscribers,
  latency,
  scale,
  fanoutFilters,
  dashboardRender,
  pgDelivery,
  pgSync,
];
