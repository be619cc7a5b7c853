// The Chromium the browser tests drive (Debian's package at /usr/bin/chromium, or CHROMIUM_PATH),
// installed first where the machine can (packages.ts); playwright-core downloads no browser.
import { existsSync } from 'node:fs';
import { ensurePackage } from './packages.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function ensureChromium(): string {
  return ensurePackage(
    'chromium',
    () => (existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : null),
    `The browser tests need Chromium: none at ${CHROMIUM_PATH}. Install it (apt-get install chromium) or set CHROMIUM_PATH.`,
  );
}
