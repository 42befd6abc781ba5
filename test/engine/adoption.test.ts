import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEngine, runningEngine, stopEngine } from '../../plugins/engine/daemon.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import { hit, pidAlive, readIf, serverCmd, until } from '../helpers/engine.js';

/** The fixture server itself, not its supervisor or a shell still running `sleep 1; exec ...`. */
const isServer = (cmdline: string) => cmdline.split('\0')[1]?.endsWith('server.mjs') === true;

/** Live (non-zombie) processes whose environment says they are tasks of `appId` on this engine. */
function taskProcesses(appId: string, stateDir: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (
        env.includes(`MARATHON_APP_ID=${appId}`) &&
        env.some((v) => v.startsWith('MESOS_SANDBOX=' + stateDir)) &&
        isServer(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))
      )
        out.push(Number(pid));
    } catch {
      /* gone or not ours */
    }
  }
  return out;
}

/**
 * A real engine daemon (as `baton engine start` runs it) on a temp state dir for one describe
 * block; afterwards `appIds` are removed, the daemon stopped, stray task processes killed.
 */
function realDaemon(prefix: string, appIds: string[]) {
  const d = {
    stateDir: '',
    url: '',
    settings: undefined as unknown as ReturnType<typeof resolveSettings>,
    /** Start (or find) the daemon; after a SIGKILL this is the restart. */
    async start() {
      d.url = (await ensureEngine(d.settings)).url;
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read as Marathon's JSON
    async api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
      const r = await fetch(d.url + p, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: await r.json().catch(() => undefined) };
    },
  };
  beforeAll(async () => {
    d.stateDir = await mkdtemp(path.join(os.tmpdir(), prefix));
    d.settings = { ...resolveSettings({ stateDir: d.stateDir }), port: 0 };
    await d.start();
  });
  afterAll(async () => {
    const info = await runningEngine(d.stateDir);
    if (info) {
      for (const appId of appIds)
        await fetch(`${info.url}/v2/apps${appId}`, { method: 'DELETE' }).catch(() => undefined);
      await until(
        async () => ((await (await fetch(`${info.url}/v2/apps`)).json()) as { apps: unknown[] }).apps.length === 0,
        20_000,
        'apps removed',
      ).catch(() => undefined);
    }
    await stopEngine(d.stateDir);
    for (const pid of appIds.flatMap((appId) => taskProcesses(appId, d.stateDir))) process.kill(pid, 'SIGKILL');
    await rm(d.stateDir, { recursive: true, force: true });
  });
  return d;
}

describe('engine crash safety: SIGKILL mid-deployment, restart, adopt', () => {
  const d = realDaemon('baton-adopt-', ['/adopt', '/exits']);
  const api = d.api;

  it('loses nothing and duplicates nothing; the deployment completes after the restart', async () => {
    expect(
      (
        await api('POST', '/v2/apps', {
          id: '/adopt',
          cmd: serverCmd(),
          instances: 3,
          cpus: 0.05,
          mem: 32,
          upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 },
        })
      ).status,
    ).toBe(201);
    await until(async () => (await api('GET', '/v2/deployments')).body.length === 0, 20_000, 'the first deployment');
    const v1Tasks = (await api('GET', '/v2/apps/adopt/tasks')).body.tasks as { id: string }[];
    expect(v1Tasks).toHaveLength(3);

    // A one-by-one rolling upgrade whose new tasks take a second to start serving.
    const upgrade = await api('PUT', '/v2/apps/adopt', { cmd: `sleep 1; ${serverCmd()}`, labels: { v: '2' } });
    expect(upgrade.status).toBe(200);
    await until(
      async () =>
        ((await api('GET', '/v2/apps/adopt/tasks')).body.tasks as { version: string }[]).some(
          (t) => t.version === upgrade.body.version,
        ),
      10_000,
      'the first new task',
    );
    const before = await runningEngine(d.stateDir);
    process.kill(before!.pid, 'SIGKILL'); // mid-deployment
    await until(() => !pidAlive(before!.pid), 5000, 'the engine to die');

    // Tasks outlived the engine (a task just launched may still be exec'ing its server).
    await until(() => taskProcesses('/adopt', d.stateDir).length >= 3, 5000, 'the tasks to run on without the engine');
    await d.start();
    expect((await api('GET', '/v2/deployments')).body.map((d: { id: string }) => d.id)).toEqual([
      upgrade.body.deploymentId,
    ]);
    await until(
      async () => (await api('GET', '/v2/deployments')).body.length === 0,
      30_000,
      'the resumed deployment to finish',
    );

    const tasks = (await api('GET', '/v2/apps/adopt/tasks')).body.tasks as {
      id: string;
      host: string;
      ports: number[];
      version: string;
    }[];
    expect(tasks).toHaveLength(3);
    expect(tasks.every((t) => t.version === upgrade.body.version)).toBe(true);
    for (const t of tasks)
      expect(await until(() => hit(t.host, t.ports[0]).catch(() => ''), 5000, 'an answer')).toContain(t.id);
    // Exactly three server processes: no duplicate launched, no old task left behind.
    await until(() => taskProcesses('/adopt', d.stateDir).length === 3, 10_000, 'exactly three task processes');
  }, 60_000);

  it('learns of exits that happened while no engine ran, and relaunches', async () => {
    // An app of its own (the case stands alone).
    expect(
      (await api('POST', '/v2/apps', { id: '/exits', cmd: serverCmd(), instances: 3, cpus: 0.05, mem: 32 })).status,
    ).toBe(201);
    await until(async () => (await api('GET', '/v2/deployments')).body.length === 0, 20_000, 'the deployment');
    await until(() => taskProcesses('/exits', d.stateDir).length === 3, 10_000, 'three task processes');
    const tasks = (await api('GET', '/v2/apps/exits/tasks')).body.tasks as { id: string }[];
    const info = await runningEngine(d.stateDir);
    await stopEngine(d.stateDir);
    expect(pidAlive(info!.pid)).toBe(false);
    const victim = taskProcesses('/exits', d.stateDir)[0];
    process.kill(victim, 'SIGKILL');
    await d.start();
    await until(
      async () => {
        const now = (await api('GET', '/v2/apps/exits/tasks')).body.tasks as { id: string; state: string }[];
        return (
          now.length === 3 &&
          now.every((t) => t.state === 'TASK_RUNNING') &&
          now.some((t) => !tasks.map((x) => x.id).includes(t.id))
        );
      },
      15_000,
      'a replacement task',
    );
    await until(() => taskProcesses('/exits', d.stateDir).length === 3, 10_000, 'three task processes');
  }, 40_000);
});

describe('engine crash safety: stopped between marking a task Killing and signalling it', () => {
  const d = realDaemon('baton-midkill-', ['/midkill']);

  it('the next engine kills it again: the task does not run on marked Killing', async () => {
    const app = { id: '/midkill', cmd: serverCmd(), instances: 1, cpus: 0.02, mem: 32 };
    expect((await d.api('POST', '/v2/apps', app)).status).toBe(201);
    await until(async () => (await d.api('GET', '/v2/deployments')).body.length === 0, 20_000, 'the deployment');
    const [task] = (await d.api('GET', '/v2/apps/midkill/tasks')).body.tasks as { id: string }[];
    const [pid] = await until(
      () => (taskProcesses('/midkill', d.stateDir).length === 1 ? taskProcesses('/midkill', d.stateDir) : undefined),
      10_000,
      'the task process',
    );
    const info = await runningEngine(d.stateDir);
    process.kill(info!.pid, 'SIGKILL');
    await until(() => !pidAlive(info!.pid), 5000, 'the engine to die');
    // What the store holds when the engine dies inside kill(), after the Killing condition was
    // committed and before the signal (a kill gate was waiting for the balancer, say).
    const db = new Database(path.join(d.stateDir, 'engine.db'));
    const row = db.prepare<[], { instance_id: string; json: string }>('SELECT instance_id, json FROM instances').get()!;
    db.prepare('UPDATE instances SET json = ? WHERE instance_id = ?').run(
      JSON.stringify({ ...JSON.parse(row.json), condition: 'Killing', killing: true, killReason: 'test' }),
      row.instance_id,
    );
    db.close();
    expect(pidAlive(pid)).toBe(true);
    await d.start();
    await until(() => !pidAlive(pid), 15_000, 'the task marked Killing to be killed');
    // Its goal was Running (a health kill, say): the instance relaunches.
    await until(
      async () => {
        const now = (await d.api('GET', '/v2/apps/midkill/tasks')).body.tasks as { id: string; state: string }[];
        return now.length === 1 && now[0].id !== task.id && now[0].state === 'TASK_RUNNING';
      },
      15_000,
      'a new task',
    );
  }, 60_000);
});

describe('engine crash safety: SIGKILL at random points of deployments, many times', () => {
  const d = realDaemon('baton-crashes-', ['/crashy', '/crashy-pv']);
  const api = d.api;

  it('eight kills mid-deployment: every deployment ends, no task lost or duplicated, the last version runs, volumes intact', async () => {
    const app = (v: number) => ({
      id: '/crashy',
      cmd: `sleep 0.${v % 10}; ${serverCmd()}`,
      instances: 4,
      cpus: 0.02,
      mem: 32,
      labels: { v: String(v) },
      upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 },
    });
    // A resident app upgraded in every round too: each start appends to its volume's `starts`.
    const resident = (v: number) => ({
      id: '/crashy-pv',
      instances: 2,
      cpus: 0.02,
      mem: 32,
      labels: { v: String(v) },
      cmd: `cd "$MESOS_SANDBOX/data" && { [ -f token ] || cat /proc/sys/kernel/random/uuid > token; } && echo "$MESOS_TASK_ID" >> starts && ${serverCmd()}`,
      container: { type: 'MESOS', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size: 8 } }] },
    });
    expect((await api('POST', '/v2/apps', app(0))).status).toBe(201);
    expect((await api('POST', '/v2/apps', resident(0))).status).toBe(201);
    await until(async () => (await api('GET', '/v2/deployments')).body.length === 0, 30_000, 'the first deployments');
    const volumes = () => volumeTokens(d.stateDir);
    const before = await until(
      () =>
        Object.values(volumes()).every((v) => v.token) && Object.keys(volumes()).length === 2 ? volumes() : undefined,
      10_000,
      'two volumes with tokens',
    );
    let last = '';
    let lastPv = '';
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let round = 1; round <= 8; round++) {
      // force: the deployment a kill interrupted may still be running after the restart.
      const r = await api('PUT', '/v2/apps/crashy?force=true', app(round));
      expect(r.status).toBe(200);
      last = r.body.version;
      const pv = await api('PUT', '/v2/apps/crashy-pv?force=true', resident(round));
      expect(pv.status).toBe(200);
      lastPv = pv.body.version;
      await new Promise((res) => setTimeout(res, Math.floor(random() * 1200)));
      const before = await runningEngine(d.stateDir);
      process.kill(before!.pid, 'SIGKILL');
      await until(() => !pidAlive(before!.pid), 5000, 'the engine to die');
      await d.start();
    }
    await until(async () => (await api('GET', '/v2/deployments')).body.length === 0, 60_000, 'every deployment to end');
    const tasks = (await api('GET', '/v2/apps/crashy/tasks')).body.tasks as {
      id: string;
      host: string;
      ports: number[];
      version: string;
      state: string;
    }[];
    expect(tasks).toHaveLength(4);
    expect(tasks.every((t) => t.version === last && t.state === 'TASK_RUNNING')).toBe(true);
    expect(new Set(tasks.map((t) => t.id.replace(/\._app\.\d+$/, ''))).size).toBe(4); // four distinct instances
    for (const t of tasks)
      expect(await until(() => hit(t.host, t.ports[0]).catch(() => ''), 5000, 'an answer')).toContain(t.id);
    // Exactly four server processes on the machine: nothing duplicated, nothing of old versions left.
    await until(() => taskProcesses('/crashy', d.stateDir).length === 4, 15_000, 'exactly four task processes');

    // The resident app: the same two instances on the same two volumes, every token as first written,
    // each volume only ever used by its own instance, the last version running, two processes.
    const pvTasks = (await api('GET', '/v2/apps/crashy-pv/tasks')).body.tasks as {
      id: string;
      version: string;
      state: string;
    }[];
    expect(pvTasks).toHaveLength(2);
    expect(pvTasks.every((t) => t.version === lastPv && t.state === 'TASK_RUNNING')).toBe(true);
    const after = volumes();
    expect(Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v.token]))).toEqual(
      Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.token])),
    );
    const instanceOf = (taskId: string) => taskId.replace(/\._app\.\d+$/, '');
    const owners = Object.values(after).map((v) => new Set(v.starts.map(instanceOf)));
    expect(owners.every((o) => o.size === 1)).toBe(true);
    expect(owners.map((o) => [...o][0]).sort()).toEqual(pvTasks.map((t) => instanceOf(t.id)).sort());
    expect(Object.values(after).reduce((n, v) => n + v.starts.length, 0)).toBeGreaterThan(2); // upgrades did restart them
    await until(
      () => taskProcesses('/crashy-pv', d.stateDir).length === 2,
      15_000,
      'exactly two resident task processes',
    );
  }, 180_000);
});

/** Each persistent volume of the engine (by directory): the token its first task wrote and every start it saw. */
function volumeTokens(stateDir: string): Record<string, { token: string; starts: string[] }> {
  const out: Record<string, { token: string; starts: string[] }> = {};
  const agents = path.join(stateDir, 'agents');
  for (const agent of existsSync(agents) ? readdirSync(agents) : []) {
    const dir = path.join(agents, agent, 'volumes');
    for (const v of existsSync(dir) ? readdirSync(dir) : []) {
      const read = (f: string) => readIf(path.join(dir, v, f)).trim();
      out[`${agent}/${v}`] = { token: read('token'), starts: read('starts').split('\n').filter(Boolean) };
    }
  }
  return out;
}
