// The figures of the reliability tests, merged into the JSON file LEADRELAY_RELIABILITY_OUT names
// (each suite under its own key), from which RELIABILITY.md's table is written.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Merges this run's figures into the shared file under `key`; does nothing when the variable is unset. */
export function writeReliability(key: string, summary: Record<string, unknown>): void {
  const out = process.env.LEADRELAY_RELIABILITY_OUT;
  if (!out) return;
  let all: Record<string, unknown> = {};
  try {
    if (existsSync(out)) all = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  } catch {
    all = {};
  }
  writeFileSync(out, `${JSON.stringify({ ...all, [key]: { ...summary, at: new Date().toISOString() } }, null, 2)}\n`);
}
