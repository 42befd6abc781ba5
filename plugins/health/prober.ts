import type { App, HealthCheck, ReadinessCheck, TaskHandle, TaskRuntime } from '../../core/index.js';
import { httpProbe, tcpProbe } from './probes.js';
import { applyResult, firstProbeDelayMs, type Health, type Outcome } from './rules.js';

/** What the prober needs of the engine (declared here: plugins never import each other). */
export interface EngineView {
  instances: Map<string, ProbedInstance>;
  apps: Map<string, { app: App; version: string }>;
  runtimes: TaskRuntime[];
  specOf(i: ProbedInstance, current: { app: App; version: string }): { app: App; version: string };
  agent(id: string | undefined): { id: string; hostname: string; address: string } | undefined;
  kill(i: ProbedInstance, reason?: string): Promise<void>;
  isHealthy(i: ProbedInstance): boolean;
  poke(): void;
  onStop(fn: () => void): void;
  events: { emit(type: string, fields: Record<string, unknown>): void };
  driver: { locks(appId: string): unknown[] };
}

export interface ProbedInstance {
  instanceId: string;
  appId: string;
  taskId?: string;
  runSpecVersion: string;
  condition: string;
  goal: string;
  startedAt?: string;
  agentId?: string;
  ports: number[];
  handle?: TaskHandle;
  health?: Health[];
  ready?: boolean;
  readiness?: {
    name: string;
    taskId: string;
    ready: boolean;
    lastResponse?: { status: number; contentType: string; body: string };
  };
}

const TICK_MS = 50;

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
export function attachProber(e: EngineView): () => void {
  const next = new Map<string, number[]>(); // taskId → next probe time per check
  const inFlight = new Set<string>();
  let nextReadiness = new Map<string, number>();

  const probe = async (i: ProbedInstance, c: HealthCheck, idx: number): Promise<Outcome> => {
    const host = e.agent(i.agentId)?.address ?? '127.0.0.1';
    const port = c.port ?? i.ports[c.portIndex ?? 0];
    const timeoutMs = c.timeoutSeconds * 1000;
    switch (c.protocol) {
      case 'HTTP':
      case 'MESOS_HTTP':
        return httpProbe('http', host, port, c.path ?? '/', timeoutMs, {
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
    const wasHealthy = e.isHealthy(i);
    const v = applyResult(before, c, outcome, Date.parse(i.startedAt), Date.now());
    i.health[idx] = v.health;
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
    i.readiness = {
      name: r.name,
      taskId: i.taskId ?? '',
      ready,
      ...(r.preserveLastResponse && res.status !== undefined
        ? { lastResponse: { status: res.status, contentType: res.contentType ?? '', body: res.body ?? '' } }
        : {}),
    };
    if (ready) {
      i.ready = true;
      e.poke();
    }
  };

  const tick = () => {
    const now = Date.now();
    const live = new Set<string>();
    for (const i of e.instances.values()) {
      if (i.condition !== 'Running' || !i.taskId || !i.startedAt) continue;
      const stored = e.apps.get(i.appId);
      if (!stored) continue;
      const spec = e.specOf(i, stored);
      const checks = spec.app.healthChecks;
      live.add(i.taskId);
      if (checks.length > 0) {
        i.health ??= checks.map(() => ({ alive: false, consecutiveFailures: 0, instanceId: i.instanceId }));
        let times = next.get(i.taskId);
        if (!times) {
          const started = Date.parse(i.startedAt);
          times = checks.map((c) => started + firstProbeDelayMs(c));
          next.set(i.taskId, times);
        }
        checks.forEach((c, idx) => {
          const key = `${i.taskId}#${idx}`;
          if (inFlight.has(key) || now < times![idx]) return;
          inFlight.add(key);
          times![idx] = now + c.intervalSeconds * 1000;
          void probe(i, c, idx)
            .then((o) => record(i, spec, idx, o))
            .finally(() => inFlight.delete(key));
        });
      }
      // Readiness: only new tasks of an app being deployed, until ready (§3.4).
      const r = spec.app.readinessChecks[0];
      if (r && !i.ready && spec.version === stored.version && e.driver.locks(i.appId).length > 0) {
        const key = `${i.taskId}#ready`;
        if (!inFlight.has(key) && now >= (nextReadiness.get(i.taskId) ?? 0)) {
          inFlight.add(key);
          nextReadiness.set(i.taskId, now + r.intervalSeconds * 1000);
          void readiness(i, spec.app, r).finally(() => inFlight.delete(key));
        }
      }
    }
    for (const t of next.keys()) if (!live.has(t)) next.delete(t);
    nextReadiness = new Map([...nextReadiness].filter(([t]) => live.has(t)));
  };

  const timer = setInterval(tick, TICK_MS);
  const stop = () => clearInterval(timer);
  e.onStop(stop);
  return stop;
}
