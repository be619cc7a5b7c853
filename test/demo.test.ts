// `npm run demo` (issue #14's "done when"): the banner names the dashboard's URL and the token to log
// in with, and that token opens a dashboard showing the four vendors syncing and webhooks flowing.
// Runs the built CLI (dist/), as `npm run demo` does.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardHttp } from './helpers/dashboard-http.js';
import { waitFor } from './helpers/wait.js';

const MAIN = new URL('../dist/cli/main.js', import.meta.url).pathname;

describe('npm run demo', () => {
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await stop?.();
    stop = null;
  });

  it('prints the dashboard URL and the token, which logs in and shows the four vendors syncing and webhooks delivered', async () => {
    const child = spawn(process.execPath, [MAIN, 'demo'], { env: { ...process.env, LEADRELAY_DEMO_SECONDS: '60' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    stop = async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    };
    const banner = await waitFor(() => /dashboard\s+(http:\/\/127\.0\.0\.1:\d+)\/\n\s+log in with the token (\S+)/.exec(out), { timeoutMs: 20_000, what: 'the demo banner' });
    const [, url, token] = banner;
    const d = new DashboardHttp(url!);
    await d.login(token!);
    await waitFor(
      async () => {
        const page = (await d.get('/')).body;
        const synced = ['apten', 'nexus', 'penguin', 'mega'].every((id) => new RegExp(`<tr data-source="${id}">[\\s\\S]*?badge ok">ok<`).test(page));
        const delivered = /(\d+) succeeded and 0 failed delivery attempts/.exec(page);
        return synced && delivered && Number(delivered[1]) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the four sources synced and webhooks delivered, on the dashboard' },
    );
    expect(out).toMatch(/✔ verified/);
  }, 60_000);
});
