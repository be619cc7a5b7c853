// WAL checkpoints on a thread of their own, so copying the WAL into the database (and its fsync)
// never stalls a sync page commit or a delivery attempt on the main thread.
import { Worker } from 'node:worker_threads';

// Measured (BENCHMARKS.md "Sync optimizations"): with SQLite's automatic checkpoints (every 1,000 WAL pages), a
// commit that crossed the threshold also copied the WAL into the database and fsynced it: a
// 1,000-lead Apten page took ~90 ms to commit instead of ~10 ms, and a 100-lead Nexus page in an
// initial sync paid for one every few pages. Here a second connection runs PASSIVE checkpoints,
// which never block the writer; the writer keeps an automatic checkpoint at a much larger WAL as a
// backstop, should this thread fall behind or stop.
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 16_000;
const CHECK_EVERY_MS = 100;

// Plain JavaScript (eval), so the thread needs no TypeScript loader under tsx, vitest or dist/.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const Database = createRequire(workerData.from)('better-sqlite3');
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
// Checkpoints copy pages through this connection's page cache: keep it small (the build's default
// is 16 MB, which this thread would fill with pages nobody reads again).
db.pragma('cache_size = -1024');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or briefly unavailable: the next tick tries again, and the writer's backstop remains.
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private exited = false;

  constructor(path: string) {
    this.worker = new Worker(SOURCE, {
      eval: true,
      workerData: { path, from: import.meta.url, everyMs: CHECK_EVERY_MS },
      // It allocates next to nothing; a small heap keeps the thread's footprint small too.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    // A failed checkpointer costs only speed (the backstop checkpoints instead): never crash the relay.
    this.worker.on('error', () => {});
    this.worker.once('exit', () => (this.exited = true));
    this.worker.unref();
  }

  /** Stops the thread after any checkpoint in progress; the writer's close then checkpoints what is left. */
  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.worker.once('exit', () => resolve());
      // Referenced again while it stops: an unreferenced thread would let the process end before
      // 'exit' arrives, and with it whatever awaits this (the relay's shutdown and its last log line).
      this.worker.ref();
      this.worker.postMessage('stop');
    });
  }
}
