// Shared pieces of the benchmarks: the scenario registry, timing, memory sampling and the report.
// Every scenario measures the relay AND a raw baseline in the same run and reports their ratio.
import type { BenchPostgres } from './pg-kit.js';

export interface Figure {
  /** What was measured, e.g. "leads/s". */
  unit: string;
  relay: number;
  baseline: number;
  /** relay / baseline, or baseline / relay when lower is better (latency): always "share of the baseline". */
  ratio: number;
  /** The target for the ratio, when there is one (e.g. 0.5). */
  target?: number;
  notes?: string;
}

export interface ScenarioResult {
  name: string;
  figures: Record<string, Figure>;
  details?: Record<string, unknown>;
}

export interface ScenarioOptions {
  /** Smoke mode: tiny sizes, so the suite can check the benchmark still runs. */
  smoke: boolean;
  /** A PostgreSQL server (bench/pg-kit.ts) for the scenarios that need one; else each starts its own. */
  postgres?: BenchPostgres;
}

export interface Scenario {
  name: string;
  description: string;
  run(opts: ScenarioOptions): Promise<ScenarioResult>;
}

/** Higher is better (throughput): the relay's share of the baseline. */
export function throughput(unit: string, relay: number, baseline: number, target?: number, notes?: string): Figure {
  return { unit, relay: round(relay), baseline: round(baseline), ratio: round(relay / baseline, 3), target, notes };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Samples this process's RSS while `fn` runs; returns the peak in MB. */
export async function peakRss<T>(fn: () => Promise<T>, everyMs = 50): Promise<{ peakMb: number; value: T }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { peakMb: round(peak / 1024 / 1024), value };
  } finally {
    clearInterval(timer);
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
