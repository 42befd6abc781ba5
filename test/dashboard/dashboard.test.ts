import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batonAsync, cliDaemon, ROOT } from '../helpers/cli.js';
import { launchChromium } from '../helpers/browser.js';
import { serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { freePort } from '../helpers/net.js';

const TOKEN = 'dashboard-test-token-7f3a';
/** Screenshots of the main views: kept in the test's dir, copied to docs/images with BATON_UPDATE_SCREENSHOTS=1. */
const SHOTS = path.join(ROOT, 'docs/images');

/**
 * The dashboard in a real headless Chromium against a real engine daemon with a token: what a
 * user sees and does, end to end (docs/dashboard.md).
 */
describe('dashboard (headless Chromium, engine daemon with a token)', () => {
  const d = cliDaemon('baton-ui-', ['/web', '/web-blue', '/web-green'], { BATON_ENGINE_TOKEN: TOKEN });
  let browser: Browser;
  let page: Page;
  let url = '';
  let servicePort = 0;
  const shots: string[] = [];

  const app = (release: string) => ({
    id: '/web',
    cmd: serverCmd('GRACEFUL_TERM=1'),
    cpus: 0.02,
    mem: 32,
    instances: 3,
    env: { RELEASE: release, API_TOKEN: 'do-not-show-me-' + release },
    portDefinitions: [{ port: servicePort }],
    labels: {
      HAPROXY_GROUP: 'external',
      HAPROXY_DEPLOYMENT_GROUP: 'web',
      HAPROXY_DEPLOYMENT_ALT_PORT: String(servicePort + 1),
    },
    healthChecks: [
      {
        protocol: 'HTTP',
        path: '/health',
        gracePeriodSeconds: 5,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 3,
      },
    ],
  });
  const recipeFile = async (release: string) => {
    const f = path.join(d.dir, `web-${release}.json`);
    await writeFile(
      f,
      JSON.stringify({
        name: 'dashboard',
        apps: [app(release)],
        strategies: {
          '/web': {
            type: 'canary',
            steps: [{ weight: 25 }],
            analysis: { intervalSeconds: 0.5, maxErrorRate: 0.05, minRequests: 5 },
          },
        },
      }),
    );
    return f;
  };
  const api = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(url + p, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const shot = async (name: string) => {
    const file = path.join(d.dir, `dashboard-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
  };

  beforeAll(async () => {
    servicePort = await freePort('127.0.2.1');
    const lb = [
      await freePort('127.0.2.1'),
      await freePort('127.0.2.1'),
      await freePort('127.0.0.1'),
      await freePort('127.0.2.1'),
    ];
    Object.assign(d.env, { BATON_LB_PORTS: lb.join(','), BATON_ENGINE_TOKEN: TOKEN });
    const r = await batonAsync(['deploy', await recipeFile('1'), '--json'], { env: d.env });
    expect(r.code, r.stderr).toBe(0);
    const status = await batonAsync(['engine', 'status', '--json'], { env: d.env });
    url = (JSON.parse(status.stdout.trim().split('\n')[0]) as { url: string }).url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('dialog', (dialog) => void (dialog.type() === 'prompt' ? dialog.accept('3') : dialog.accept()));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (process.env.BATON_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(SHOTS, { recursive: true });
      for (const f of shots) copyFileSync(f, path.join(SHOTS, path.basename(f)));
    }
  });

  it('asks for the token, then shows the app with its 3 healthy instances', async () => {
    await page.goto(`${url}/ui/apps/web-blue`);
    await page.locator('#token').fill(TOKEN);
    await page.locator('.token-form button').click();
    await expect.poll(() => page.locator('#healthy').textContent(), { timeout: 20_000 }).toBe('3');
    const rows = page.locator('#instances tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('#instances .badge', { hasText: 'healthy' }).count()).toBe(3);
    // What reaches it: the balancer and the DNS name.
    await expect.poll(() => page.locator('#reach').textContent()).toMatch(/web-blue\.marathon\.mesos/);
    await shot('app');
    await page.getByRole('button', { name: 'show' }).click();
    const definition = await page.locator('#definition').textContent();
    expect(definition).toContain('"API_TOKEN": "***"');
    expect(await page.content()).not.toContain('do-not-show-me');
  }, 60_000);

  it('follows a scale made through the API, without a reload, within 2 s', async () => {
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    const r = await api('PUT', '/v2/apps/web-blue', { instances: 4 });
    expect(r.status).toBe(200);
    const asked = Date.now();
    await page.locator('.facts', { hasText: '/4 running' }).waitFor({ timeout: 2000 });
    expect(Date.now() - asked).toBeLessThan(2000);
    await expect.poll(() => page.locator('#healthy').textContent(), { timeout: 20_000 }).toBe('4');
    // Marathon refuses a change to an app a deployment holds (409): the scale to 4 ends first.
    await until(async () => ((await api('GET', '/v2/deployments')).body as unknown as unknown[]).length === 0);
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
    // Back to 3 from the page: the scale action (its prompt answers 3), with the token.
    await page.locator('#scale').click();
    await page.locator('.action .done').first().waitFor();
    await expect.poll(() => page.locator('#running').textContent(), { timeout: 20_000 }).toBe('3');
  }, 60_000);

  it("opens a task's log and shows its output", async () => {
    await page.locator('#instances a', { hasText: 'log' }).first().click();
    await expect
      .poll(() => page.locator('#log').textContent(), { timeout: 10_000 })
      .toMatch(/listening on 127\.0\.1\.\d+:\d+/);
    expect(page.url()).toMatch(/\/ui\/logs\//);
    await shot('log');
  }, 30_000);

  it('shows a canary step with the share asked and served, and promotes it from the page', async () => {
    const deploy = batonAsync(['deploy', await recipeFile('2'), '--json'], { env: d.env });
    // A bounded load through marathon-lb's service port, so the page has a served share to show.
    let stop = false;
    const load = (async () => {
      const end = Date.now() + 90_000;
      for (let k = 0; k < 20_000 && !stop && Date.now() < end; k++) {
        await new Promise<void>((resolve) => {
          const req = http.get(
            { host: '127.0.2.1', port: servicePort, path: '/', agent: false, timeout: 2000 },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', () => resolve());
          req.on('timeout', () => req.destroy());
        });
        await new Promise((w) => setTimeout(w, 5));
      }
    })();
    try {
      await page.goto(`${url}/ui/strategies`);
      await expect.poll(() => page.locator('#asked').textContent(), { timeout: 60_000 }).toBe('25 %');
      // The canary colour (green) serves about a quarter of the requests; the page shows what it measured.
      // (A reading spans one second: the first after the step may still be all on the stable colour.)
      const served = page.locator('#shares tr', { hasText: '/web-green' }).locator('.served');
      const share = async () => Number.parseFloat((await served.textContent({ timeout: 20_000 })) ?? '');
      await expect.poll(share, { timeout: 20_000 }).toBeGreaterThan(5);
      expect(await share()).toBeLessThan(50);
      await expect.poll(() => page.locator('main').textContent(), { timeout: 20_000 }).toMatch(/Analysis: ok/);
      await shot('canary');
      await page.locator('#promote').click();
      const r = await deploy;
      expect(r.code, r.stderr).toBe(0);
      const apps = await api('GET', '/v2/apps');
      expect((apps.body.apps as { id: string }[]).map((a) => a.id)).toEqual(['/web-green']);
    } finally {
      stop = true;
      await load;
    }
  }, 150_000);

  it('shows the overview, the balancer and the groups', async () => {
    await page.goto(`${url}/ui/`);
    await expect.poll(() => page.locator('#tasks-running').textContent(), { timeout: 20_000 }).toBe('3');
    expect(await page.locator('#agents tbody tr').count()).toBe(4);
    await shot('overview');
    await page.goto(`${url}/ui/balancing`);
    await expect.poll(() => page.locator('#lb-stats').textContent(), { timeout: 20_000 }).toMatch(/web_\d+/);
    await shot('balancing');
    await page.goto(`${url}/ui/groups`);
    await expect.poll(() => page.locator('#groups').textContent()).toContain('/web-green');
    for (const f of shots) expect(statSync(f).size).toBeGreaterThan(10_000);
  }, 60_000);
});

describe('dashboard on an engine without a token (read-only)', () => {
  let e: TestEngine;
  let browser: Browser;
  beforeAll(async () => {
    e = await startTestEngine();
    expect(
      (
        await e.api('POST', '/v2/apps', {
          id: '/ro',
          cmd: serverCmd(),
          cpus: 0.02,
          mem: 32,
          instances: 1,
          portDefinitions: [{ port: 0 }],
        })
      ).status,
    ).toBe(201);
    await e.settle();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await e?.destroy();
  });

  it('says it is read-only; an action is refused and shown as refused; the same request made directly gets 403', async () => {
    const page = await browser.newPage();
    page.on('dialog', (dialog) => void (dialog.type() === 'prompt' ? dialog.accept('2') : dialog.accept()));
    await page.goto(`${e.url}/ui/apps/ro`);
    await page.locator('#read-only').waitFor();
    await page.locator('#scale').click();
    await expect
      .poll(() => page.locator('.action .refused').textContent())
      .toMatch(/refused \(403\): Actions from a browser need the engine token/);
    const direct = await fetch(`${e.url}/v2/apps/ro`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', origin: e.url },
      body: JSON.stringify({ instances: 2 }),
    });
    expect(direct.status).toBe(403);
    await until(async () => (await e.api('GET', '/v2/apps/ro')).body.app.tasksRunning === 1);
    expect((await e.api('GET', '/v2/apps/ro')).body.app.instances).toBe(1);
  }, 60_000);
});
