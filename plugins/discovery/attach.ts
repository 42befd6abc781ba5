import type { Contract } from '../../core/index.js';
import { mesosRecords } from './catalog.js';
import { appNames } from './names.js';
import type { RecordSet } from './records.js';
import { startDnsServer, type DnsServer } from './server.js';

export interface DiscoveryOptions {
  address: string;
  port: number;
  /** Others' records (VIP names), added to every rebuild. */
  extend?: (records: RecordSet) => void;
  log?: { warn(msg: string): void; info(msg: string): void };
}

export interface Discovery {
  server?: DnsServer;
  records(): RecordSet;
}

/**
 * Serve the engine's DNS zone: records are rebuilt on the first query after the engine reports a
 * change (task status, health, deployments, apps), so answers follow scaling at once — and only
 * then: a rebuild walks every task, and an idle engine at thousands of tasks was rebuilding them
 * every second for each status request the dashboard made.
 * A port that cannot be bound (in use, or 53 without privileges) leaves the engine running
 * without DNS, and says so.
 */
export async function attachDiscovery(engine: Contract<'engine'>['api'], o: DiscoveryOptions): Promise<Discovery> {
  let current: RecordSet = mesosRecords(engine);
  let dirty = true;
  const rebuild = () => {
    if (!dirty) return current;
    dirty = false;
    const r = mesosRecords(engine);
    o.extend?.(r);
    current = r;
    return current;
  };
  const off = engine.events.on(() => (dirty = true));
  let server: DnsServer | undefined;
  try {
    server = await startDnsServer(o.address, o.port, rebuild);
    engine.addResolver(`${server.address}:${server.port}`);
    o.log?.info(`DNS for *.marathon.mesos and *.l4lb.thisdcos.directory on ${server.address}:${server.port}`);
  } catch (err) {
    o.log?.warn(
      `no DNS: cannot listen on ${o.address}:${o.port} (${(err as Error).message}); set BATON_DNS=<address>:<port>`,
    );
  }
  engine.addStatusSection('dns', () => {
    const r = rebuild();
    // App names only: each task's own names (two per task) are for DNS queries, not for a status
    // the dashboard polls every 5 s (at 1,000 tasks they were 111 KB of its 115).
    const names = [...r.a.keys()].filter(
      (n) =>
        n.endsWith('.marathon.mesos') && !n.includes('.slave.') && !/-[a-z0-9]{5}-[a-z0-9]+\.marathon\.mesos$/.test(n),
    );
    return {
      summary: server
        ? [
            `server ${server.address}:${server.port}`,
            ...names.sort().map(
              (n) =>
                `${n} → ${r.a
                  .get(n)!
                  .map((x) => x.address)
                  .join(', ')}`,
            ),
          ]
        : ['not serving (see the engine log)'],
      server: server ? `${server.address}:${server.port}` : null,
      perApp: Object.fromEntries(
        [...engine.apps.keys()].map((id) => [
          id,
          [
            `dns ${appNames(id)
              .map((n) => `${n}.marathon.mesos`)
              .join(', ')}`,
          ],
        ]),
      ),
    };
  });
  engine.onStop(async () => {
    off();
    await server?.close();
  });
  return { server, records: rebuild };
}

/** `BATON_DNS=address:port`; default 127.0.3.1:53 (a loopback address of its own). */
export function dnsEndpoint(env = process.env): { address: string; port: number } {
  const [address, port] = (env.BATON_DNS ?? '127.0.3.1:53').split(':');
  return { address: address || '127.0.3.1', port: Number(port ?? 53) };
}
