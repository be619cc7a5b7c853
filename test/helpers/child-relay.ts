// Runs the built relay (dist/cli/main.js) as a child process, so tests can SIGKILL it mid-work.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from './wait.js';

const MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

// Each run's log is kept for failure messages; a soak run restarts hundreds of times, so only the tail.
const OUTPUT_KEPT = 200_000;

export class ChildRelay {
  proc: ChildProcess | null = null;
  url = '';
  output = '';
  /** Settles when the current process has exited (resolved at once when none runs). */
  exited: Promise<number | null> = Promise.resolve(null);
  readonly configPath: string;

  /** `env`: more environment variables for the child (e.g. LEADRELAY_REPLICA_ID). */
  constructor(dir: string, config: unknown, private readonly env: Record<string, string> = {}) {
    this.configPath = join(dir, 'relay.yaml');
    writeFileSync(this.configPath, stringify(config));
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Spawns the relay and waits until its admin API listens. */
  async start(): Promise<void> {
    this.spawn();
    const proc = this.proc!;
    await waitFor(() => this.url || !this.running, { timeoutMs: 30_000, what: 'relay child to listen' });
    if (!this.url) throw new Error(`relay child exited early (code ${proc.exitCode}, signal ${proc.signalCode}):\n${this.output.slice(-4000)}`);
  }

  /** Spawns the relay without waiting for anything (to kill it while it is still starting up). */
  spawn(): void {
    if (this.running) throw new Error('relay child already running');
    this.url = '';
    if (this.output.length > OUTPUT_KEPT) this.output = this.output.slice(-OUTPUT_KEPT / 2);
    let own = ''; // earlier runs' lines must not be mistaken for this one's
    const proc = spawn(process.execPath, [MAIN, 'start', '--config', this.configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LEADRELAY_LOG_LEVEL: 'info', ...this.env },
    });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output += text;
      if (this.url) return;
      own += text;
      const m = /"url":"(http:[^"]+)"/.exec(own);
      if (m) this.url = m[1]!;
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
  }

  /**
   * SIGKILL, sent synchronously: callable from inside a simulator's or subscriber's request handler,
   * so the relay dies exactly while that request is in flight. No shutdown code runs, as in a crash.
   */
  killNow(): void {
    if (this.running) this.proc!.kill('SIGKILL');
  }

  /** SIGSTOP: the process freezes (as in a long GC pause or a stalled VM) with its sockets open. */
  pause(): void {
    if (this.running) this.proc!.kill('SIGSTOP');
  }

  /** SIGCONT: a paused process goes on where it stopped. */
  resume(): void {
    if (this.running) this.proc!.kill('SIGCONT');
  }

  /** SIGKILL and wait for the process to be gone. */
  async kill(): Promise<void> {
    this.killNow();
    await this.exited;
  }

  /** SIGTERM: the graceful shutdown; resolves with the exit code. */
  async terminate(): Promise<number | null> {
    if (!this.running) return this.proc?.exitCode ?? null;
    this.proc!.kill('SIGTERM');
    return this.exited;
  }
}
