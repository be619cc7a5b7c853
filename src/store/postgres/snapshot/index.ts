// The snapshot op group on PostgreSQL (contract.ts SnapshotOps), one file per operation beside it.
import type pg from 'pg';
import type { SnapshotOps } from '../../contract.js';
import { applyPage } from './apply-page.js';
import { getLeadEventHashes, getLeads } from './read.js';
import { beginScan, completeScan, countListed, settleMissingNow } from './scan.js';

export function createPgSnapshotOps(pool: pg.Pool): SnapshotOps {
  return {
    getLeads: (sourceId, leadIds) => getLeads(pool, sourceId, leadIds),
    getLeadEventHashes: (sourceId, leadIds) => getLeadEventHashes(pool, sourceId, leadIds),
    applyPage: (sourceId, page, nowIso, fence) => applyPage(pool, sourceId, page, nowIso, fence),
    beginScan: (sourceId, fence) => beginScan(pool, sourceId, fence),
    countListed: (sourceId, scan) => countListed(pool, sourceId, scan),
    completeScan: (sourceId, scan, threshold, nowIso, decide, fence) => completeScan(pool, sourceId, scan, threshold, nowIso, decide, fence),
    settleMissingNow: (sourceId, threshold, nowIso, decide) => settleMissingNow(pool, sourceId, threshold, nowIso, decide),
  };
}
