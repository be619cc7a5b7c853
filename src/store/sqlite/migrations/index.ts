// Numbered schema migrations, applied in order, each in its own transaction (graphile-worker's shape).
import { m0001_initial } from './0001_initial.js';
import { m0002_absence } from './0002_absence.js';
import { m0003_delivery_control } from './0003_delivery_control.js';
import { m0004_claim_order } from './0004_claim_order.js';
import { m0005_snapshot_layout } from './0005_snapshot_layout.js';
import { m0006_previous_secrets } from './0006_previous_secrets.js';
import { m0007_install_keys } from './0007_install_keys.js';
import { m0008_created_by } from './0008_created_by.js';
import { m0009_replicas } from './0009_replicas.js';
import { m0010_sync_requests } from './0010_sync_requests.js';
import { m0011_dashboard } from './0011_dashboard.js';
import { m0012_filters } from './0012_filters.js';
import { m0014_delivery_log } from './0014_delivery_log.js';
import { m0015_dashboard_indexes } from './0015_dashboard_indexes.js';
import { m0016_ready_queue } from './0016_ready_queue.js';
import { m0017_lean_delivery_writes } from './0017_lean_delivery_writes.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  m0001_initial,
  m0002_absence,
  m0003_delivery_control,
  m0004_claim_order,
  m0005_snapshot_layout,
  m0006_previous_secrets,
  m0007_install_keys,
  m0008_created_by,
  m0009_replicas,
  m0010_sync_requests,
  m0011_dashboard,
  m0012_filters,
  m0014_delivery_log,
  m0015_dashboard_indexes,
  m0016_ready_queue,
  m0017_lean_delivery_writes,
];
