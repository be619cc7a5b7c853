// The built relay (dist/cli/main.js start) as a process of its own, as in production: the
// benchmarks that compare backends and replica counts run it this way and measure it from outside
// (what its subscribers received, what its database holds, its CPU time from /proc).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const MAIN = new URL('../dist/cli/main.js', import.meta.url).pathname;

export interface RelayProcess {
  pid: number;
  /** Its admin API, e.g. http://127.0.0.1:41234. */
  url: string;
  /** CPU time (user + system, all threads) it has used so far, in ms. */
  cpuMs(): number;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** What it logged (the tail), for error messages. */
  output(): string;
  /** SIGTERM, and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Writes `config` as YAML into dir/relay.yaml and starts the relay on it; resolves once its admin
 * API listens. `env`: more environment (LEADRELAY_REPLICA_ID); `execArgv`: e.g. --cpu-prof.
 */
export async function startRelayProcess(
  dir: string,
  config: unknown,
  opts: { env?: Record<string, string>; execArgv?: string[]; name?: string } = {},
): Promise<RelayProcess> {
  const configPath = join(dir, `${opts.name ?? 'relay'}.yaml`);
  writeFileSync(configPath, stringify(config));
  const proc = spawn(process.execPath, [...(opts.execArgv ?? []), MAIN, 'start', '--config', configPath], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // info, so the "leadrelay listening" line tells us the port.
    env: { ...process.env, LEADRELAY_LOG_LEVEL: 'info', ...opts.env },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  // BENCH_RELAY_STDERR=1: the relays' stderr (warnings, crashes) shown as it comes.
  if (process.env.BENCH_RELAY_STDERR) proc.stderr!.on('data', (c: Buffer) => process.stderr.write(c));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const m = /"url":"(http:[^"]+)"/.exec(output);
      if (m) {
        proc.stdout!.off('data', look);
        proc.stderr!.off('data', look);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', look);
    proc.stderr!.on('data', look);
    void exited.then(() => reject(new Error(`relay exited (${proc.exitCode ?? proc.signalCode}) before listening:\n${output.slice(-4000)}`)));
  });
  return {
    pid: proc.pid!,
    url,
    cpuMs: () => cpuMsOf(proc.pid!),
    peakRssMb: () => vmHwmMb(proc.pid!),
    output: () => output,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms. Unlike wall time it does
 * not grow while the process waits for a core that other work on a shared machine holds.
 */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}
/** USER_HZ: 100 on Linux on every common architecture (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** VmHWM of a process: the peak of its resident set size, kept by the kernel. */
export function vmHwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for process ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * CPU time of a process and all its descendants, in ms: its own, what its exited children left
 * (cutime, cstime) and each live child's, recursively. For PostgreSQL's postmaster that is the
 * whole server: the backends serving the relays, the WAL writer, the checkpointer.
 */
export function treeCpuMs(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const own = (p: number, withExited: boolean): number => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]) + (withExited ? Number(f[13]) + Number(f[14]) : 0);
      return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return 0;
    }
  };
  const walk = (p: number): number => own(p, true) + (children.get(p) ?? []).reduce((a, c) => a + walk(c), 0);
  return walk(pid);
}
