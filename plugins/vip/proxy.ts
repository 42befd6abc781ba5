import net from 'node:net';

export interface Backend {
  host: string;
  port: number;
  /** Takes new connections (running and healthy); false = drain (open connections continue). */
  active: boolean;
  taskId: string;
}

interface Tracked extends Backend {
  open: number;
  total: number;
}

/** Errors that mean "this backend did not take the connection": safe to try another. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE']);
const CONNECT_TIMEOUT_MS = 2000;

/**
 * One VIP's L4 TCP proxy. Each client connection goes to the active backend with the fewest open
 * connections (ties broken at random) — the weighted least-connection choice dcos-l4lb makes. A
 * backend that refuses (it just died) is skipped and another tried before the client sees anything.
 * Backends are replaced live; an inactive one keeps its open connections until they end.
 */
export class VipProxy {
  private readonly server: net.Server;
  private backends = new Map<string, Tracked>();
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly address: string,
    readonly port: number,
  ) {
    // noDelay: small request/response exchanges must not wait on Nagle's algorithm.
    // pauseOnConnect: nothing is read from the client until a backend took the connection.
    this.server = net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => this.accept(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.address, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Replace the backend set; counts of backends that stay are kept. */
  setBackends(list: Backend[]): void {
    const next = new Map<string, Tracked>();
    for (const b of list) {
      const key = `${b.host}:${b.port}`;
      const old = this.backends.get(key);
      next.set(key, old ? Object.assign(old, b) : { ...b, open: 0, total: 0 });
    }
    // Draining backends that disappeared keep their open connections (the sockets are not touched).
    this.backends = next;
  }

  stats(): (Backend & { open: number; total: number })[] {
    return [...this.backends.values()].map((b) => ({ ...b }));
  }

  private pick(tried: Set<string>): Tracked | undefined {
    let best: Tracked[] = [];
    for (const b of this.backends.values()) {
      if (!b.active || tried.has(`${b.host}:${b.port}`)) continue;
      if (best.length === 0 || b.open < best[0].open) best = [b];
      else if (b.open === best[0].open) best.push(b);
    }
    return best[Math.floor(Math.random() * best.length)];
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    let current: net.Socket | undefined;
    client.on('error', () => current?.destroy()); // a reset client tears down its upstream
    client.once('close', () => this.sockets.delete(client));
    const tried = new Set<string>();
    const attempt = () => {
      const b = this.pick(tried);
      if (!b) return client.destroy();
      const key = `${b.host}:${b.port}`;
      tried.add(key);
      const upstream = net.connect({ host: b.host, port: b.port, noDelay: true });
      current = upstream;
      upstream.setTimeout(CONNECT_TIMEOUT_MS);
      let connected = false;
      upstream.once(
        'timeout',
        () => !connected && upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      );
      let failed = false;
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        if (failed) return;
        failed = true;
        if (!connected && RETRYABLE.has(err.code ?? '')) return attempt(); // nothing reached the client yet
        client.destroy();
      });
      upstream.once('connect', () => {
        connected = true;
        upstream.setTimeout(0);
        b.open++;
        b.total++;
        this.sockets.add(upstream);
        upstream.once('close', () => {
          b.open--;
          this.sockets.delete(upstream);
        });
        // pipe() ends each side when the other ends (buffered data is flushed first); a reset on
        // either side tears both down (the error handlers).
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt();
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sockets) s.destroy();
  }
}
