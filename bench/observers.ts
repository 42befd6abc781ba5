import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort } from './net.js';

/**
 * What watches an engine in daily use: two dashboard pages in a headless Chromium (the overview
 * and the apps list, both following the event stream) and a Prometheus scraping /metrics every
 * 5 s — Debian's chromium and prometheus, as the tests use them. `close()` ends both (by pid).
 */
export async function startObservers(engineUrl: string): Promise<{ close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-observers-'));
  const port = await freePort('127.0.0.1');
  await writeFile(
    path.join(dir, 'prometheus.yml'),
    `scrape_configs:\n  - job_name: baton\n    scrape_interval: 5s\n    static_configs:\n      - targets: ['${new URL(engineUrl).host}']\n`,
  );
  const prom = spawn(
    process.env.BATON_PROMETHEUS ?? '/usr/bin/prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const browser = await chromium.launch({
    executablePath: process.env.BATON_CHROMIUM ?? '/usr/bin/chromium',
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
  for (const view of ['/ui/', '/ui/apps']) {
    const page = await browser.newPage();
    await page.goto(engineUrl + view);
    await page.locator('table').first().waitFor({ timeout: 60_000 });
  }
  return {
    async close() {
      await browser.close();
      if (prom.exitCode === null) {
        prom.kill('SIGTERM');
        await new Promise((r) => prom.once('exit', r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
