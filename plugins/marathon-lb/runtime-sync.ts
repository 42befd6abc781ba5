import type { Haproxy } from './haproxy.js';
import type { Service } from './model.js';

/**
 * Weights and drain through HAProxy's runtime API, so they take effect at once instead of with the
 * next (rate-limited) reload that carries them in the configuration. A server about to leave the
 * configuration (its task is being killed, or turned unhealthy) goes to maintenance at once too —
 * but only when its backend has nothing to add: taking old servers out before their replacements
 * are in would leave the backend empty (the 503s of docs/performance.md).
 */
export class RuntimeSync {
  /** Servers ("backend/server") the running worker's configuration has. */
  private configured = new Set<string>();
  /** Weight and state last sent, per server. */
  private readonly sent = new Map<string, string>();

  constructor(private readonly haproxy: Haproxy) {}

  async sync(list: Service[]): Promise<void> {
    if (!this.haproxy.pid) return;
    const commands: string[] = [];
    const now = new Set<string>();
    // Backends that gain servers with the next reload: nothing leaves their rotation before that.
    const adding = new Set(
      list.filter((s) => s.servers.some((v) => !this.configured.has(`${s.backend}/${v.name}`))).map((s) => s.backend),
    );
    for (const s of list) {
      for (const v of s.servers) {
        const key = `${s.backend}/${v.name}`;
        now.add(key);
        if (!this.configured.has(key)) continue;
        const state = v.disabled && !adding.has(s.backend) ? 'maint' : 'ready';
        const weight = adding.has(s.backend)
          ? Math.max(v.weight ?? 1, Number(this.sent.get(key)?.split('|')[0] ?? 1))
          : (v.weight ?? 1);
        const want = `${weight}|${state}`;
        if (this.sent.get(key) === want) continue;
        this.sent.set(key, want);
        commands.push(`set weight ${key} ${weight}`, `set server ${key} state ${state}`);
      }
    }
    for (const key of [...this.sent.keys()]) {
      if (now.has(key) || adding.has(key.split('/')[0])) continue;
      this.sent.delete(key);
      commands.push(`set server ${key} state maint`);
    }
    if (commands.length) await this.haproxy.runtime(commands).catch(() => undefined);
  }

  /** After a start or reload: the new worker has `served`'s weights and states from its configuration. */
  reloaded(served: Service[]): void {
    this.configured = new Set(served.flatMap((x) => x.servers.map((v) => `${x.backend}/${v.name}`)));
    for (const key of [...this.sent.keys()]) if (!this.configured.has(key)) this.sent.delete(key);
  }
}
