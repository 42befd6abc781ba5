import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Debian's chromium (the setup script installs it); BATON_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A headless Chromium for the dashboard's tests, with the flags this offline machine needs (no
 * sandbox as root, no GPU, nothing fetched: no component updates, sync or background networking).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: run bash .ci/setup.sh --system (or set BATON_CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
