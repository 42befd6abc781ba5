import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import type { Registry } from 'prom-client';
import type { Haproxy } from './haproxy.js';

const require = createRequire(import.meta.url);

/** The HAProxies counted on each registry, by plane (marathon-lb's, the VIPs'): one counter for all. */
const planes = new WeakMap<Registry, Map<string, Haproxy>>();

/**
 * `baton_haproxy_restarts_total{plane}`: how often an HAProxy was found dead and started again
 * (haproxy.ts, supervise). Read from the Haproxy objects when Prometheus scrapes.
 */
export function countRestarts(registry: Registry, plane: string, haproxy: Haproxy): void {
  let known = planes.get(registry);
  if (!known) {
    known = new Map();
    planes.set(registry, known);
    const all = known;
    const prom = require('prom-client') as typeof Prom;
    new prom.Counter({
      name: 'baton_haproxy_restarts_total',
      help: 'HAProxy found dead (killed, crashed) and started again with its configuration, by plane (marathon-lb, vip)',
      labelNames: ['plane'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [p, h] of all) this.inc({ plane: p }, h.restarts);
      },
    });
  }
  known.set(plane, haproxy);
}
