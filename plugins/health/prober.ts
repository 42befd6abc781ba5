import type { App, Contract, HealthCheck, ReadinessCheck } from '../../core/index.js';
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import type { Registry } from 'prom-client';
import { httpProbe, httpStatusProbe, tcpProbe } from './probes.js';
import { applyResult, firstProbeDelayMs, type Outcome } from './rules.js';

const require = createRequire(import.meta.url);

type EngineApi = Contract<'engine'>['api'];
type ProbedInstance = Contract<'engine'>['instance'];

const TICK_MS = 50;
/**
 * Probes are levelled over the slots: tasks launched together (a deploy, or every adopted task
 * after an engine restart) are otherwise probed together interval after interval, and at 5,000
 * tasks hundreds of connects in one slot held the event loop for 100-500 ms (API answers and other
 * probes waited). A probe goes to the first slot from its due one that holds fewer than the budget
 * — half as much again as the average load of a slot (the probes' rates summed), and at least
 * SLOT_BUDGET — moving by at most one interval; below that load (hundreds of tasks) none moves.
 */
const SLOT_BUDGET = 20;
/** How often every instance is looked at for running tasks without a probe schedule. */
const SCAN_MS = 2000;

/** A probe to run: one health check of a task (by index), or its readiness check. */
interface Due {
  i: ProbedInstance;
  taskId: string;
  check: number | 'ready';
  /** The slot it is in: the next probe keeps this phase (a late turn does not bunch probes together). */
  slot?: number;
  /** Its share of a slot's load (TICK_MS / interval). */
  perSlot?: number;
}

/** Index of a port by name among an app's ports (portMappings if any, else portDefinitions). */
function portIndexOf(app: App, name: string): number {
  const m = app.container?.portMappings ?? [];
  return (m.length > 0 ? m : (app.portDefinitions ?? [])).findIndex((p) => p.name === name);
}

/**
 * Probes every running task's health checks on their schedule, applies Marathon's rules, kills
 * instances that fail too often (they relaunch, goal unchanged) and polls readiness of new tasks
 * during deployments. Health lives on the instances (engine memory), as in Marathon.
 */
export function attachProber(e: EngineApi): () => void {
  const inFlight = new Set<string>();
  const metrics = probeMetrics(e.metrics);

  const probe = async (i: ProbedInstance, c: HealthCheck, idx: number): Promise<Outcome> => {
    const host = e.agent(i.agentId)?.address ?? '127.0.0.1';
    const port = c.port ?? i.ports[c.portIndex ?? 0];
    const timeoutMs = c.timeoutSeconds * 1000;
    switch (c.protocol) {
      case 'HTTP':
      case 'MESOS_HTTP':
        return httpStatusProbe(host, port, c.path ?? '/', timeoutMs, {
          ignoreHttp1xx: c.ignoreHttp1xx && c.protocol === 'HTTP',
        });
      case 'HTTPS':
      case 'MESOS_HTTPS':
        return httpProbe('https', host, port, c.path ?? '/', timeoutMs);
      case 'TCP':
      case 'MESOS_TCP':
        return tcpProbe(host, port, timeoutMs);
      case 'COMMAND': {
        const rt = e.runtimes.find((r) => r.name === i.handle?.runtime);
        if (!rt?.exec || !i.handle) return { kind: 'failure', cause: 'this task runtime cannot run COMMAND checks' };
        const r = await rt.exec(i.handle, c.command?.value ?? 'false', timeoutMs);
        return r.exitCode === 0
          ? { kind: 'success' }
          : {
              kind: 'failure',
              cause:
                r.exitCode === null
                  ? `command did not finish within ${c.timeoutSeconds}s`
                  : `command exited with ${r.exitCode}${r.output ? `: ${r.output.trim().split('\n').pop()}` : ''}`,
            };
      }
    }
    void idx;
    return { kind: 'ignored' };
  };

  const record = (i: ProbedInstance, app: { app: App; version: string }, idx: number, outcome: Outcome) => {
    if (i.condition !== 'Running' || !i.startedAt || !i.health) return; // failures while not running are ignored
    const c = app.app.healthChecks[idx];
    const before = i.health[idx];
    const next = [...i.health];
    const wasHealthy = e.isHealthy(i);
    const v = applyResult(before, c, outcome, Date.parse(i.startedAt), Date.now());
    next[idx] = v.health;
    e.setHealth(i, next);
    if (v.health.alive !== before.alive)
      e.events.emit('health_status_changed_event', {
        appId: i.appId,
        instanceId: i.instanceId,
        version: i.runSpecVersion,
        alive: v.health.alive,
      });
    if (outcome.kind === 'failure' && v.counted)
      e.events.emit('failed_health_check_event', {
        appId: i.appId,
        taskId: i.taskId,
        instanceId: i.instanceId,
        healthCheck: c,
      });
    const healthy = e.isHealthy(i);
    if (healthy !== wasHealthy) {
      e.events.emit('instance_health_changed_event', {
        instanceId: i.instanceId,
        runSpecId: i.appId,
        runSpecVersion: i.runSpecVersion,
        healthy,
      });
      e.poke();
    }
    if (v.kill && i.goal === 'Running') {
      const agent = e.agent(i.agentId);
      const reason = `failed health checks (${v.health.lastFailureCause})`;
      e.events.emit('unhealthy_instance_kill_event', {
        appId: i.appId,
        taskId: i.taskId,
        instanceId: i.instanceId,
        version: i.runSpecVersion,
        reason: 'FailedHealthChecks',
        host: agent?.hostname ?? '',
        slaveId: agent?.id ?? '',
      });
      void e.kill(i, reason);
    }
  };

  const readiness = async (i: ProbedInstance, app: App, r: ReadinessCheck) => {
    const idx = portIndexOf(app, r.portName);
    const host = e.agent(i.agentId)?.address ?? '127.0.0.1';
    const res = await httpProbe(
      r.protocol === 'HTTPS' ? 'https' : 'http',
      host,
      i.ports[idx],
      r.path,
      r.timeoutSeconds * 1000,
      { okStatuses: r.httpStatusCodesForReady, keepBody: r.preserveLastResponse },
    );
    if (i.condition !== 'Running') return;
    const ready = res.kind === 'success';
    const result = {
      name: r.name,
      taskId: i.taskId ?? '',
      ready,
      ...(r.preserveLastResponse && res.status !== undefined
        ? { lastResponse: { status: res.status, contentType: res.contentType ?? '', body: res.body ?? '' } }
        : {}),
    };
    e.setReadiness(i, result, ready);
    if (ready) e.poke();
  };

  // Due probes in 50 ms slots (a timer wheel): a tick runs only what is due, so probing does not
  // cost a pass over every task 20 times a second. Running tasks are scheduled when they are
  // heard of (their TASK_RUNNING status update) and by a scan now and then (adopted tasks, and
  // anything an event did not carry).
  const wheel = new Map<number, Due[]>();
  let timer: NodeJS.Timeout | undefined;
  /** The slot the timer is set for (Infinity: none). */
  let armedFor = Infinity;
  let stopped = false;
  const slot = (t: number) => Math.floor(t / TICK_MS);
  let lastSlot = slot(Date.now()) - 1;
  let armWheel = () => {};
  /** How many probes a slot holds on average: each probe in the wheel adds TICK_MS / its interval. */
  let perSlot = 0;
  /** Put a probe in the wheel at `at`, or up to `spreadMs` later where the slots are full. */
  const schedule = (d: Due, at: number, spreadMs: number) => {
    const first = Math.max(slot(at), lastSlot + 1);
    const budget = Math.max(SLOT_BUDGET, Math.ceil(1.5 * perSlot));
    const last = first + Math.max(1, Math.floor(spreadMs / TICK_MS));
    let k = first;
    for (let j = first, fewest = Infinity; j < last; j++) {
      const n = wheel.get(j)?.length ?? 0;
      if (n < fewest) [k, fewest] = [j, n];
      if (n < budget) break;
    }
    d.slot = k;
    d.perSlot = spreadMs > 0 ? TICK_MS / spreadMs : 0;
    perSlot += d.perSlot;
    const list = wheel.get(k);
    if (list) list.push(d);
    else {
      wheel.set(k, [d]);
      if (k < armedFor) armWheel();
    }
  };
  /** The task each instance's schedule is for: a relaunch has a new task id, and gets its own. */
  const scheduled = new WeakMap<ProbedInstance, string>();
  const current = (d: Due) => d.i.taskId === d.taskId && d.i.condition === 'Running' && e.instances.has(d.i.instanceId);

  /** Schedule a running task's checks (and readiness while its app deploys), unless it has them. */
  const consider = (i: ProbedInstance) => {
    if (i.condition !== 'Running' || !i.taskId || !i.startedAt || scheduled.get(i) === i.taskId) return;
    const stored = e.apps.get(i.appId);
    if (!stored) return;
    const spec = e.specOf(i, stored);
    scheduled.set(i, i.taskId);
    const started = Date.parse(i.startedAt);
    const checks = spec.app.healthChecks;
    if (checks.length > 0)
      if (!i.health)
        e.setHealth(
          i,
          checks.map(() => ({ alive: false, consecutiveFailures: 0, instanceId: i.instanceId })),
        );
    checks.forEach((c, idx) =>
      schedule({ i, taskId: i.taskId!, check: idx }, started + firstProbeDelayMs(c), c.intervalSeconds * 1000),
    );
    if (spec.app.readinessChecks[0]) schedule({ i, taskId: i.taskId, check: 'ready' }, Date.now(), 0);
  };

  /** When the next probe is due: an interval after this one's slot, or now when the turn came late. */
  const next = (d: Due, now: number, intervalMs: number) => Math.max(now, (d.slot ?? slot(now)) * TICK_MS + intervalMs);

  const run = (d: Due, now: number) => {
    if (!current(d)) return;
    const stored = e.apps.get(d.i.appId);
    if (!stored) return;
    const spec = e.specOf(d.i, stored);
    if (d.check === 'ready') {
      // Readiness: only new tasks of an app being deployed, until ready (marathon-semantics.md §3.4).
      const r = spec.app.readinessChecks[0];
      if (!r || d.i.ready || spec.version !== stored.version) return;
      if (e.locks(d.i.appId).length > 0) {
        const key = `${d.taskId}#ready`;
        if (!inFlight.has(key)) {
          inFlight.add(key);
          void readiness(d.i, spec.app, r).finally(() => inFlight.delete(key));
        }
      }
      return schedule(d, next(d, now, r.intervalSeconds * 1000), r.intervalSeconds * 1000);
    }
    const c = spec.app.healthChecks[d.check];
    if (!c) return;
    const key = `${d.taskId}#${d.check}`;
    if (!inFlight.has(key)) {
      inFlight.add(key);
      const t0 = performance.now();
      void probe(d.i, c, d.check)
        .then((o) => {
          metrics.observe(c.protocol, o.kind, (performance.now() - t0) / 1000);
          return record(d.i, spec, d.check as number, o);
        })
        .finally(() => inFlight.delete(key));
    }
    schedule(d, next(d, now, c.intervalSeconds * 1000), c.intervalSeconds * 1000);
  };

  const tick = () => {
    const now = Date.now();
    for (let k = lastSlot + 1; k <= slot(now); k++) {
      const list = wheel.get(k);
      if (!list) continue;
      wheel.delete(k);
      for (const d of list) perSlot -= d.perSlot ?? 0;
      for (const d of list) run(d, now);
    }
    lastSlot = slot(now);
  };
  const scan = () => {
    for (const i of e.instances.values()) consider(i);
  };
  const off = e.events.on((ev) => {
    if (ev.eventType !== 'status_update_event' || ev.taskStatus !== 'TASK_RUNNING') return;
    const i = e.instances.get(String(ev.taskId).replace(/\._app\.\d+$/, ''));
    if (i) consider(i);
  });
  scan();
  // The wheel is turned when its next slot with probes comes due, not on every slot.
  const turn = () => {
    timer = undefined;
    armedFor = Infinity;
    tick();
    arm();
  };
  const arm = () => {
    if (stopped) return;
    let next = Infinity;
    for (const k of wheel.keys()) if (k < next) next = k;
    if (next >= armedFor) return; // already armed for an earlier or the same slot; none: armed when scheduled
    if (timer) clearTimeout(timer);
    armedFor = next;
    timer = setTimeout(turn, Math.max(0, next * TICK_MS - Date.now()));
  };
  armWheel = arm;
  arm();
  const scanner = setInterval(scan, SCAN_MS);
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    clearInterval(scanner);
    off();
  };
  e.onStop(stop);
  return stop;
}

/** The probes' metrics on the engine's registry: how many by protocol and result, and how long they take. */
function probeMetrics(registry: Registry) {
  const prom = require('prom-client') as typeof Prom;
  const probes = new prom.Counter({
    name: 'baton_health_probes_total',
    help: 'Health-check probes run by the engine, by protocol and result (success, failure, ignored)',
    labelNames: ['protocol', 'result'],
    registers: [registry],
  });
  const latency = new prom.Histogram({
    name: 'baton_health_probe_duration_seconds',
    help: 'How long a health-check probe took, by protocol',
    labelNames: ['protocol'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  return {
    observe(protocol: string, result: string, seconds: number) {
      probes.inc({ protocol, result });
      latency.observe({ protocol }, seconds);
    },
  };
}
