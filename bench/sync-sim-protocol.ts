// What the sync benchmarks say to the simulator process (sync-sim-child.ts) over IPC.

export type SimVendor = 'nexus-erp' | 'apten';

export type SimCommand =
  | { op: 'seed'; n: number }
  | { op: 'change'; fraction: number; round: number }
  | { op: 'stats' };

export const SIM_API_KEY = 'bench-vendor-key-0123456789';
