import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import { taskState, type EngineState } from './state.js';
import { ACTIVE } from './types.js';

const require = createRequire(import.meta.url);

/** What the metrics read of an engine: its state, and what waits to be placed. */
export interface MetricsSource {
  readonly state: EngineState;
  readonly queue: ReadonlyMap<string, { appId: string; count: number; delayMs: number; declined: object }>;
  readonly unwritableSince?: string;
}

/** Histogram buckets for durations from milliseconds (API answers) to minutes (deployments). */
const FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SLOW = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * The engine's metrics in Prometheus' format, with prom-client (the standard Node client). What is
 * counted as it happens (launches, failures, deployments, API requests) is kept in counters and
 * histograms fed by the engine's own event stream; what is a state (tasks, health, the queue) is
 * read from the engine when Prometheus scrapes. Labels are bounded: app ids, states, reasons,
 * routes — never a task or instance id. Extensions (health probes, the balancers) add theirs to
 * `registry` through the extension API. docs/metrics.md lists every name.
 */
export class EngineMetrics {
  readonly registry: Prom.Registry;
  private readonly http: Prom.Histogram<'method' | 'route' | 'status'>;
  private subscribers = 0;
  private readonly off: () => void;

  constructor(e: MetricsSource) {
    const prom = require('prom-client') as typeof Prom;
    const registry = new prom.Registry();
    this.registry = registry;
    // Process CPU, memory and file descriptors, and the event loop's lag — sampled every 50 ms as
    // the engine's own monitor (event-loop.ts): prom-client's 10 ms default woke an idle engine a
    // hundred times a second, most of its idle CPU.
    prom.collectDefaultMetrics({ register: registry, prefix: 'baton_engine_', eventLoopMonitoringPrecision: 50 });
    const st = e.state;
    const registers = [registry];

    new prom.Gauge({
      name: 'baton_tasks',
      help: 'Tasks the engine runs, by app (or pod) and Marathon task state',
      labelNames: ['app', 'state'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const i of st.instances.values()) {
          if (!i.taskId || !ACTIVE.has(i.condition)) continue;
          const k = `${i.appId}\0${taskState(i.condition)}`;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        for (const [k, n] of counts) {
          const [app, state] = k.split('\0');
          this.set({ app, state }, n);
        }
      },
    });
    new prom.Gauge({
      name: 'baton_instances',
      help: 'Running instances of apps with health checks, by health (unknown: no result yet)',
      labelNames: ['app', 'health'],
      registers,
      collect() {
        this.reset();
        for (const [id, s] of st.apps) {
          if (s.app.healthChecks.length === 0) continue;
          const n = { healthy: 0, unhealthy: 0, unknown: 0 };
          for (const i of st.instancesOf(id)) {
            if (i.condition !== 'Running') continue;
            if (st.isHealthy(i)) n.healthy++;
            else if (i.health?.some((h) => h.lastFailure)) n.unhealthy++;
            else n.unknown++;
          }
          for (const [health, v] of Object.entries(n)) this.set({ app: id, health }, v);
        }
      },
    });
    new prom.Gauge({
      name: 'baton_apps',
      help: 'Apps and pods the engine holds',
      labelNames: ['type'],
      registers,
      collect() {
        let pods = 0;
        for (const s of st.apps.values()) if (s.pod) pods++;
        this.set({ type: 'app' }, st.apps.size - pods);
        this.set({ type: 'pod' }, pods);
      },
    });
    new prom.Gauge({
      name: 'baton_state_writable',
      help: 'Whether the state store takes writes (0 while a full disk refuses them: changes are refused)',
      registers,
      collect() {
        this.set(e.unwritableSince ? 0 : 1);
      },
    });
    new prom.Gauge({
      name: 'baton_deployments_in_flight',
      help: 'Deployments running now',
      registers,
      collect() {
        this.set(st.deployments.size);
      },
    });
    new prom.Gauge({
      name: 'baton_queue_instances',
      help: 'Instances waiting to be placed, by app and reason (backoff, or what the agents lacked)',
      labelNames: ['app', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const q of e.queue.values()) {
          if (q.count === 0) continue;
          const reasons = Object.keys(q.declined);
          const reason = q.delayMs > 0 ? 'Backoff' : (reasons[0] ?? 'Placing');
          this.set({ app: q.appId, reason }, q.count);
        }
      },
    });
    new prom.Gauge({
      name: 'baton_launch_backoff_seconds',
      help: "How long an app's next launch waits after failures (Marathon's backoff), by app",
      labelNames: ['app'],
      registers,
      collect() {
        this.reset();
        for (const q of e.queue.values()) if (q.delayMs > 0) this.set({ app: q.appId }, q.delayMs / 1000);
      },
    });
    const launch = new prom.Histogram({
      name: 'baton_task_launch_duration_seconds',
      help: 'From an instance staged to its task running',
      buckets: SLOW,
      registers,
    });
    const relaunches = new prom.Counter({
      name: 'baton_task_relaunches_total',
      help: "Launches of an instance's second and later tasks (after a crash, a kill, a health kill)",
      labelNames: ['app'],
      registers,
    });
    const failures = new prom.Counter({
      name: 'baton_task_failures_total',
      help: 'Tasks that ended on their own or failed to launch, by app and Marathon task state',
      labelNames: ['app', 'state'],
      registers,
    });
    const healthKills = new prom.Counter({
      name: 'baton_health_kills_total',
      help: 'Instances killed for failing their health checks, by app',
      labelNames: ['app'],
      registers,
    });
    const started = new prom.Counter({
      name: 'baton_deployments_started_total',
      help: 'Deployments started',
      registers,
    });
    const finished = new prom.Counter({
      name: 'baton_deployments_finished_total',
      help: 'Deployments ended, by outcome: succeeded, failed (cancelled or forced over), reverted',
      labelNames: ['outcome'],
      registers,
    });
    // Every outcome from the start, at 0: a query for failures finds a series before the first one.
    for (const o of ['succeeded', 'failed', 'reverted']) finished.labels({ outcome: o }).inc(0);
    const duration = new prom.Histogram({
      name: 'baton_deployment_duration_seconds',
      help: 'How long deployments took, by outcome',
      labelNames: ['outcome'],
      buckets: SLOW,
      registers,
    });
    this.http = new prom.Histogram({
      name: 'baton_http_request_duration_seconds',
      help: "The engine API's answers, by method, route (its pattern) and status",
      labelNames: ['method', 'route', 'status'],
      buckets: FAST,
      registers,
    });
    const subscribers = () => this.subscribers;
    new prom.Gauge({
      name: 'baton_event_stream_subscribers',
      help: 'Clients following /v2/events',
      registers,
      collect() {
        this.set(subscribers());
      },
    });

    // Counted as it happens, from the engine's own events.
    const begun = new Map<string, number>();
    const outcome = (reason: unknown) => (String(reason ?? '').startsWith('Reverted') ? 'reverted' : 'failed');
    this.off = st.events.on((ev) => {
      switch (ev.eventType) {
        case 'status_update_event': {
          const app = String(ev.appId);
          const id = String(ev.taskId);
          if (ev.taskStatus === 'TASK_RUNNING') {
            const i = st.instances.get(id.replace(/\._app\.\d+$/, ''));
            if (i?.stagedAt) launch.observe((Date.now() - Date.parse(i.stagedAt)) / 1000);
          } else if (ev.taskStatus === 'TASK_STAGING') {
            if (!/\._app\.1$/.test(id)) relaunches.inc({ app });
          } else if (['TASK_FAILED', 'TASK_FINISHED', 'TASK_ERROR', 'TASK_GONE'].includes(String(ev.taskStatus)))
            failures.inc({ app, state: String(ev.taskStatus) });
          break;
        }
        case 'unhealthy_instance_kill_event':
          healthKills.inc({ app: String(ev.appId) });
          break;
        case 'deployment_info': {
          const id = (ev.plan as { id: string }).id;
          if (!begun.has(id)) {
            begun.set(id, Date.now());
            started.inc();
          }
          break;
        }
        case 'deployment_success':
        case 'deployment_failed': {
          const id = String(ev.id);
          const o = ev.eventType === 'deployment_success' ? 'succeeded' : outcome(ev.reason);
          finished.inc({ outcome: o });
          const t0 = begun.get(id);
          if (t0 !== undefined) duration.observe({ outcome: o }, (Date.now() - t0) / 1000);
          begun.delete(id);
          break;
        }
      }
    });
  }

  /** One API answer (fastify's onResponse): its route pattern keeps the labels bounded. */
  request(method: string, route: string | undefined, status: number, seconds: number): void {
    this.http.observe({ method, route: route ?? 'unmatched', status: String(status) }, seconds);
  }

  /** A client started (+1) or stopped (-1) following the event stream. */
  subscriber(delta: 1 | -1): void {
    this.subscribers += delta;
  }

  close(): void {
    this.off();
    this.registry.clear();
  }
}
