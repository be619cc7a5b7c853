// The built relay (dist/cli/main.js start) as a process of its own, as in production: the
// benchmarks that compare backends and replica counts run it this way and measure it from outside
// (what its subscribers received, what its database holds, its CPU time from /proc).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cpuMsOf, threadCpuMs, vmHwmMb } from './proc-stats.js';


// BENCH_RELAY_MAIN=path: another build of the relay (e.g. the previous commit's dist, to alternate
// old and new); read at each start.
const MAIN = new URL('../dist/cli/main.js', import.meta.url).pathname;

export interface RelayProcess {
  pid: number;
  /** Its admin API, e.g. http://127.0.0.1:41234. */
  url: string;
  /** CPU time (user + system, all threads) it has used so far, in ms. */
  cpuMs(): number;
  /** CPU time of its main thread (the event loop) so far, in ms. */
  mainThreadCpuMs(): number;
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
  const proc = spawn(process.execPath, [...(opts.execArgv ?? []), process.env.BENCH_RELAY_MAIN ?? MAIN, 'start', '--config', configPath], {
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
    mainThreadCpuMs: () => threadCpuMs(proc.pid!, proc.pid!),
    peakRssMb: () => vmHwmMb(proc.pid!),
    output: () => output,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

