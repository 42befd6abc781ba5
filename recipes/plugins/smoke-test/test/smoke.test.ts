import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRunner, type TestRunner } from 'baton/testing';
import smoke from '../index.js';

// A tiny HTTP server as the app: `/health` answers with $ANSWER (a status code).
const server = (answer: number) =>
  `exec node -e "require('http').createServer((q,s)=>{s.statusCode=q.url==='/health'?${answer}:404;s.end('v'+${answer})}).listen(+process.env.PORT0, process.env.HOST)"`;

describe('baton-plugin-smoke-test (with the baton/testing harness)', () => {
  let t: TestRunner;
  beforeAll(async () => {
    t = await createTestRunner({ plugins: [[smoke, { path: '/health', attempts: 2, timeoutMs: 500 }]] });
  });
  afterAll(async () => t?.close());
  const app = (answer: number) => ({
    id: '/shop',
    cmd: server(answer),
    cpus: 0.02,
    mem: 32,
    instances: 2,
    portDefinitions: [{ port: 0 }],
  });

  it('a good release passes the smoke test on every new instance', async () => {
    const r = await t.deploy({ name: 'smoke-demo', apps: [app(200)] });
    expect(r.ok, r.error?.message).toBe(true);
    const passed = r.events.find((e) => e.type === 'log' && e.plugin === 'baton-plugin-smoke-test') as
      { message: string } | undefined;
    expect(passed?.message).toBe('smoke test passed on 2 address(es)');
  });

  it('a release whose /health fails is rolled back (exit 4), the old version serving again', async () => {
    const before = (await t.api<{ app: { version: string } }>('GET', '/v2/apps/shop')).body.app.version;
    const r = await t.deploy({ name: 'smoke-demo', apps: [app(503)] });
    expect(r.exitCode).toBe(4);
    expect(r.error?.code).toBe('BATON_ROLLED_BACK');
    const cause = (
      r.error?.toJSON() as { data?: { cause?: { code: string; plugin: string; hook: string; message: string } } }
    ).data?.cause;
    expect(cause).toMatchObject({ code: 'BATON_DEPLOY_FAILED', plugin: 'baton-plugin-smoke-test', hook: 'verify' });
    expect(cause?.message).toMatch(/^smoke test failed on 2 of 2 address\(es\): \/shop .*HTTP 503/);
    const now = (await t.api<{ app: { version: string; cmd: string } }>('GET', '/v2/apps/shop')).body.app;
    expect(now.cmd).toContain('?200:404');
    expect(now.version).not.toBe(before); // the rollback is a new deployment of the old definition
  }, 60_000);
});
