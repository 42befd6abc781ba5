import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner, type TestRunner } from 'baton/testing';
import webhook from '../index.js';

/** A webhook receiver on loopback that records what it gets; `plan` scripts its answers. */
function receiver() {
  const got: { event: string; recipe: string; error?: { code: string } }[] = [];
  const plan: ('ok' | 'fail' | 'hang')[] = [];
  let hits = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits++;
      const next = plan.shift() ?? 'ok';
      if (next === 'hang') return; // never answers: the plugin's timeout must fire
      if (next === 'fail') return void res.writeHead(503).end();
      got.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  return { server, got, plan, hits: () => hits };
}

describe('baton-plugin-webhook (with the baton/testing harness)', () => {
  const hook = receiver();
  let t: TestRunner;
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hooks/deploys?token=s3cret`;
    t = await createTestRunner({ plugins: [[webhook, { url, timeoutMs: 300, retries: 2 }]] });
  });
  afterAll(async () => {
    await t?.close();
    hook.server.closeAllConnections();
    hook.server.close();
  });
  const app = { id: '/notified', cmd: 'sleep 300', cpus: 0.01, mem: 16, instances: 1 };

  it('a successful deploy sends started then succeeded, retrying a 503 on the way', async () => {
    hook.plan.push('fail');
    const r = await t.deploy({ name: 'notify-demo', apps: [app] });
    expect(r.ok, r.error?.message).toBe(true);
    expect(hook.got.map((g) => [g.event, g.recipe])).toEqual([
      ['started', 'notify-demo'],
      ['succeeded', 'notify-demo'],
    ]);
    const info = r.events
      .filter((e) => e.type === 'log' && e.plugin === 'baton-plugin-webhook')
      .map((e) => (e as { message: string }).message);
    expect(info).toContain(`started sent to ${url.replace(/\?.*$/, '')} (after 2 attempts)`);
    expect(JSON.stringify(r.events)).not.toContain('s3cret'); // the URL's token never reaches the output
  });

  it('a release that fails and is rolled back sends rolled-back with the error', async () => {
    hook.got.length = 0;
    const r = await t.deploy(
      { name: 'notify-demo', apps: [{ ...app, cmd: 'exit 1' }] },
      { healthyDeadlineSeconds: 3, timeoutMs: 60_000 },
    );
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBe(4);
    expect(hook.got.map((g) => g.event)).toEqual(['started', 'rolled-back']);
    expect(hook.got[1].error?.code).toBe('BATON_ROLLED_BACK');
  }, 60_000);

  it('a webhook that never answers times out, is retried, and does not fail the deploy', async () => {
    hook.got.length = 0;
    const before = hook.hits();
    hook.plan.push('hang', 'hang', 'hang');
    const r = await t.deploy({ name: 'notify-demo', apps: [{ ...app, instances: 2 }] });
    expect(r.ok, r.error?.message).toBe(true);
    expect(hook.hits() - before).toBe(4); // 3 timed-out attempts for "started", then "succeeded"
    const warn = r.events.find(
      (e) => e.type === 'log' && (e as { level: string }).level === 'warn' && e.plugin === 'baton-plugin-webhook',
    ) as { message: string } | undefined;
    expect(warn?.message).toMatch(
      /could not notify http:\/\/127\.0\.0\.1:\d+\/hooks\/deploys of 'started' after 3 attempt\(s\)/,
    );
    expect(hook.got.map((g) => g.event)).toEqual(['succeeded']);
  }, 30_000);
});
