// Runs the built CLI (dist/cli/main.js) to its exit, as an operator's shell would.
import { spawn } from 'node:child_process';

const MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The child's environment: ours, without any LEADRELAY_CONFIG (unless `extra` sets it) or log level, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('LEADRELAY_CONFIG' in extra)) delete env.LEADRELAY_CONFIG;
  delete env.LEADRELAY_LOG_LEVEL;
  return env;
}

/**
 * Spawns `leadrelay <args>` in `cwd` and resolves when it exits. A run that has not exited after
 * `timeoutMs` is killed and fails the test: a hang is a bug, not something to wait out (and so no
 * afterEach is needed to clean up, even in concurrent tests).
 */
export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliRun> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: opts.cwd, env: cliEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`leadrelay ${args.join(' ')} did not exit within ${timeoutMs}ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
