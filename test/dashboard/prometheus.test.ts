import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCmd, startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { freePort } from '../helpers/net.js';

/** Debian's prometheus (the setup script installs it); BATON_PROMETHEUS points elsewhere. */
const PROMETHEUS = process.env.BATON_PROMETHEUS ?? '/usr/bin/prometheus';

type Sample = { metric: Record<string, string>; value: [number, string] };

/** A real Prometheus scrapes the engine's /metrics; its answers are checked against the engine's own state. */
describe('Prometheus scrapes the engine', () => {
  let e: TestEngine;
  let dir: string;
  let prom: ChildProcess | undefined;
  let promUrl = '';
  let promLog = '';
  const query = async (q: string): Promise<Sample[]> => {
    const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as { status: string; error?: string; data: { result: Sample[] } };
    expect(body.status, `${q}: ${body.error}`).toBe('success');
    return body.data.result;
  };
  const value = async (q: string) => {
    const r = await query(q);
    return r.length ? Number(r[0].value[1]) : undefined;
  };

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS))
      throw new Error(`no Prometheus at ${PROMETHEUS}: run bash .ci/setup.sh --system (or set BATON_PROMETHEUS)`);
    e = await startTestEngine();
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-prometheus-'));
    const port = await freePort('127.0.0.1');
    promUrl = `http://127.0.0.1:${port}`;
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: baton-engine',
        '    static_configs:',
        `      - targets: ['${new URL(e.url).host}']`,
        '',
      ].join('\n'),
    );
    prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prom.stderr!.on('data', (d) => (promLog = (promLog + d).slice(-4000)));
    await until(
      async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok,
      30_000,
      'Prometheus ready',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${promLog}`);
    });
  }, 60_000);

  afterAll(async () => {
    if (prom?.pid && prom.exitCode === null) {
      prom.kill('SIGTERM');
      await new Promise((r) => prom!.once('exit', r));
    }
    await e?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the engine is an up target; tasks running and a deployment's outcome match the engine's state", async () => {
    const created = await e.api('POST', '/v2/apps', {
      id: '/prom/web',
      cmd: serverCmd(),
      cpus: 0.02,
      mem: 32,
      instances: 2,
      portDefinitions: [{ port: 0 }],
      healthChecks: [{ protocol: 'HTTP', path: '/health', intervalSeconds: 1, gracePeriodSeconds: 5 }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await e.settle();
    await until(async () => (await value('up{job="baton-engine"}')) === 1, 20_000, 'the engine scraped');
    const running = [...e.engine.state.instances.values()].filter(
      (i) => i.appId === '/prom/web' && i.condition === 'Running',
    ).length;
    expect(running).toBe(2);
    await until(
      async () => (await value('baton_tasks{app="/prom/web",state="TASK_RUNNING"}')) === running,
      20_000,
      'baton_tasks in Prometheus',
    );
    await until(
      async () => (await value('baton_instances{app="/prom/web",health="healthy"}')) === 2,
      20_000,
      'healthy instances in Prometheus',
    );
    await until(
      async () => ((await value('sum(baton_deployments_finished_total{outcome="succeeded"})')) ?? 0) >= 1,
      20_000,
      'a succeeded deployment in Prometheus',
    );
    expect(await value('sum(baton_deployments_finished_total{outcome="failed"})')).toBe(0);
    // The API's own requests are there by route (no task ids as labels anywhere).
    const routes = await query('baton_http_request_duration_seconds_count');
    expect(routes.map((r) => r.metric.route)).toContain('/v2/apps');
    const series = await query('{__name__=~"baton_.+"}');
    for (const s of series) for (const v of Object.values(s.metric)) expect(v).not.toMatch(/instance-[0-9a-f]{8}-/);
  }, 90_000);
});
