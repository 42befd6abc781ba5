import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfig } from '../../plugins/marathon-lb/config.js';
import { mergeDeploymentGroups, splitWeights } from '../../plugins/marathon-lb/deployment-groups.js';
import type { LbApp, LbOptions } from '../../plugins/marathon-lb/model.js';
import { buildServices } from '../../plugins/marathon-lb/services.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-mlb-zdd-'));
const opts: LbOptions = {
  groups: ['external'],
  bindAddr: '127.0.2.1',
  statsBind: '127.0.0.1',
  healthCheck: true,
  strict: false,
  runDir: dir,
};
const task = (id: string, host: string, port: number, alive = true) => ({
  id,
  host,
  ports: [port],
  state: 'TASK_RUNNING',
  healthCheckResults: [{ alive }],
});

/** Two colours of zdd's deployment group "shop", as zdd deploys them (marathon-lb-semantics.md §2 step 4). */
const colour = (
  name: string,
  startedAt: string,
  instances: number,
  tasks: ReturnType<typeof task>[],
  extra: Record<string, string> = {},
  lastScalingAt = startedAt,
): LbApp => ({
  id: `/shop-${name}`,
  instances,
  versionInfo: { lastScalingAt },
  labels: {
    HAPROXY_GROUP: 'external',
    HAPROXY_DEPLOYMENT_GROUP: 'shop',
    HAPROXY_0_PORT: '10050',
    HAPROXY_DEPLOYMENT_COLOUR: name,
    HAPROXY_DEPLOYMENT_STARTED_AT: startedAt,
    HAPROXY_DEPLOYMENT_TARGET_INSTANCES: '3',
    HAPROXY_DEPLOYMENT_NEW_INSTANCES: '0',
    HAPROXY_APP_ID: '/shop',
    ...extra,
  },
  portDefinitions: [{ port: name === 'blue' ? 10050 : 10051 }],
  healthChecks: [
    { protocol: 'HTTP', path: '/health', intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 3 },
  ],
  tasks,
});
const blue = (instances = 3, scaled?: string) =>
  colour(
    'blue',
    '2026-01-01T00:00:00Z',
    instances,
    [task('b3', '127.0.1.3', 31003), task('b1', '127.0.1.1', 31001), task('b2', '127.0.1.2', 31002)].slice(
      0,
      instances,
    ),
    {},
    scaled,
  );
const green = (healthy: number, instances = healthy) =>
  colour(
    'green',
    '2026-01-02T00:00:00Z',
    instances,
    Array.from({ length: instances }, (_, i) => task(`g${i}`, '127.0.1.4', 31100 + i, i < healthy)),
  );

describe('deployment groups: the colours marathon-lb merges for zdd (marathon-lb-semantics.md §2)', () => {
  it('one colour is served as /<group> on HAPROXY_0_PORT', () => {
    const [s] = buildServices([blue()], opts);
    expect(s).toMatchObject({ appId: '/shop', backend: 'shop_10050', servicePort: 10050 });
    expect(s.servers.map((v) => v.disabled)).toEqual([false, false, false]);
  });

  it('two colours are one backend; as many old servers as healthy new ones beyond the target are disabled, by task id', () => {
    // 1 healthy green + 3 blue − target 3 = 1 drainable: b1 (first by task id).
    const [s] = buildServices([blue(), green(1)], opts);
    expect(s.backend).toBe('shop_10050');
    expect(s.servers.map((v) => `${v.taskId}${v.disabled ? ' disabled' : ''}`).sort()).toEqual([
      'b1 disabled',
      'b2',
      'b3',
      'g0',
    ]);
    // An unhealthy new task drains nothing; with 2 healthy new and 2 old left, one more old goes.
    expect(buildServices([blue(), green(0, 1)], opts)[0].servers.filter((v) => v.disabled)).toEqual([]);
    expect(
      buildServices([blue(2), green(2)], opts)[0]
        .servers.filter((v) => v.disabled)
        .map((v) => v.taskId),
    ).toEqual(['b1']);
  });

  it('in a hybrid deploy the old colour scaled more recently becomes "new" again (zdd --complete-prev); not in a plain one', () => {
    const hybrid = (a: LbApp) => ({ ...a, labels: { ...a.labels, HAPROXY_DEPLOYMENT_NEW_INSTANCES: '2' } });
    expect(
      mergeDeploymentGroups([blue(3, '2026-01-03T00:00:00Z'), green(2)])[0]
        .tasks!.filter((t) => t.draining)
        .map((t) => t.id),
    ).toEqual(['b1', 'b2']);
    const merged = mergeDeploymentGroups([hybrid(blue(3, '2026-01-03T00:00:00Z')), hybrid(green(2))]);
    // Blue is "new" now: the green tasks are the ones drained (2 healthy... blue has 3 healthy + 2 green − 3 = 2).
    expect(
      merged[0]
        .tasks!.filter((t) => t.draining)
        .map((t) => t.id)
        .sort(),
    ).toEqual(['g0', 'g1']);
  });

  it('a traffic split replaces draining with weights: the split app gets its share of the new connections', () => {
    const split = new Map([['shop', { group: 'shop', app: '/shop-green', percent: 25 }]]);
    const [s] = buildServices([blue(), green(1)], opts, split);
    expect(s.servers.filter((v) => v.disabled)).toEqual([]);
    const share = (app: string) => s.servers.filter((v) => v.appId === app).reduce((n, v) => n + v.weight!, 0);
    expect(share('/shop-green') / (share('/shop-green') + share('/shop-blue'))).toBeCloseTo(0.25, 5);
    const cfg = renderConfig([s], opts);
    expect(cfg).toMatch(
      /server 127_0_1_4_31100 127\.0\.1\.4:31100 id \d+ check inter 1s fall 4 observe layer4 error-limit 1 on-error mark-down weight 1\n/,
    );
    expect(execFileSync('haproxy', ['-c', '-f', write(cfg)], { encoding: 'utf8' })).toMatch(/valid/i);
  });

  it('disabled servers render as `disabled` and HAProxy accepts the configuration', () => {
    const cfg = renderConfig(buildServices([blue(), green(2)], opts), opts);
    expect(cfg.match(/ disabled\n/g)).toHaveLength(2);
    expect(execFileSync('haproxy', ['-c', '-f', write(cfg)], { encoding: 'utf8' })).toMatch(/valid/i);
  });

  it('split weights: exact shares within HAProxy 0..256, 0 and 100 % take a colour out', () => {
    for (const [p, a, b] of [
      [5, 1, 3],
      [25, 1, 3],
      [50, 2, 3],
      [2.5, 1, 9],
      [99, 5, 1],
      [33.3, 7, 11],
    ] as const) {
      const w = splitWeights(p, a, b);
      expect(w.split).toBeGreaterThanOrEqual(1);
      expect(Math.max(w.split, w.other)).toBeLessThanOrEqual(256);
      expect((w.split * a) / (w.split * a + w.other * b)).toBeCloseTo(p / 100, 2);
    }
    expect(splitWeights(0, 1, 3)).toEqual({ split: 0, other: 1 });
    expect(splitWeights(100, 1, 3)).toEqual({ split: 1, other: 0 });
  });
});

function write(cfg: string): string {
  const f = path.join(dir, `c-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(f, cfg);
  return f;
}
