// Runs the built relay (dist/cli/main.js) as a child process, so tests can SIGKILL it mid-work.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from './wait.js';

const MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export class ChildRelay {
  proc: ChildProcess | null = null;
  url = '';
  output = '';
  readonly configPath: string;

  constructor(dir: string, config: unknown) {
    this.configPath = join(dir, 'relay.yaml');
    writeFileSync(this.configPath, stringify(config));
  }

  async start(): Promise<void> {
    this.url = '';
    const from = this.output.length; // earlier runs' lines must not be mistaken for this one's
    const proc = spawn(process.execPath, [MAIN, 'start', '--config', this.configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LEADRELAY_LOG_LEVEL: 'info' },
    });
    this.proc = proc;
    const onData = (chunk: Buffer) => {
      this.output += chunk.toString();
      const m = /"url":"(http:[^"]+)"/.exec(this.output.slice(from));
      if (m && !this.url) this.url = m[1]!;
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    await waitFor(() => this.url || proc.exitCode !== null, { timeoutMs: 10_000, what: 'relay child to listen' });
    if (!this.url) throw new Error(`relay child exited early:\n${this.output}`);
  }

  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  async terminate(): Promise<number | null> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    return exited;
  }
}
