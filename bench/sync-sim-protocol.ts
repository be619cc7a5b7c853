// What the sync benchmarks say to the simulator process (sync-sim-child.ts) over IPC.

export type SimVendor = 'nexus-erp' | 'apten';

export type SimCommand =
  | { op: 'seed'; n: number }
  | { op: 'change'; fraction: number; round: number }
  | { op: 'stats' }
  /** A new empty account on a new port (the old server closed): a simulator process serves several runs. */
  | { op: 'reset' };

export const SIM_API_KEY = 'bench-vendor-key-0123456789';
