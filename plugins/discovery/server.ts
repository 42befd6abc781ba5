import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import type DnsPacket from 'dns-packet';
import type { RecordSet } from './records.js';

const require = createRequire(import.meta.url);
/** dns-packet, loaded when the name server starts (not for commands that never serve DNS). */
const packets = (): typeof DnsPacket => require('dns-packet');

/** Zones this server answers for; anything else is refused (there is no upstream here). */
const ZONES = ['.mesos', '.thisdcos.directory'];
const NXDOMAIN = 3;
const REFUSED = 5;

export interface DnsServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

/** Answer one query from the current records. Exported for tests of the answers themselves. */
export function answer(query: DnsPacket.Packet, records: RecordSet): Buffer {
  const questions = query.questions ?? [];
  const answers: DnsPacket.Answer[] = [];
  const additionals: DnsPacket.Answer[] = [];
  let rcode = 0;
  for (const q of questions) {
    const type = String(q.type); // "ANY" (255) is not in dns-packet's type union
    const name = q.name.toLowerCase().replace(/\.$/, '');
    if (!ZONES.some((z) => name.endsWith(z) || name === z.slice(1))) {
      rcode = REFUSED;
      continue;
    }
    const a = records.a.get(name);
    const srv = records.srv.get(name);
    if (!a && !srv) {
      rcode = NXDOMAIN;
      continue;
    }
    if ((type === 'A' || type === 'ANY') && a) {
      // Shuffled on every answer, as Mesos-DNS does: crude balancing across instances.
      for (const r of [...a].sort(() => Math.random() - 0.5))
        answers.push({ type: 'A', name: q.name, ttl: r.ttl, data: r.address });
    }
    if ((type === 'SRV' || type === 'ANY') && srv) {
      for (const r of srv) {
        answers.push({
          type: 'SRV',
          name: q.name,
          ttl: r.ttl,
          data: { priority: 0, weight: 1, port: r.port, target: r.target },
        });
        for (const t of records.a.get(r.target) ?? []) {
          if (!additionals.some((x) => x.name === r.target && x.type === 'A' && x.data === t.address))
            additionals.push({ type: 'A', name: r.target, ttl: t.ttl, data: t.address });
        }
      }
    }
  }
  const dnsPacket = packets();
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode;
  return dnsPacket.encode({ type: 'response', id: query.id, flags, questions, answers, additionals });
}

/** A UDP DNS server (dns-packet for the wire format) answering from `records()` at query time. */
export function startDnsServer(address: string, port: number, records: () => RecordSet): Promise<DnsServer> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let query: DnsPacket.Packet;
    try {
      query = packets().decode(msg);
    } catch {
      return; // not DNS: ignore, as resolvers do
    }
    socket.send(answer(query, records()), rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      const bound = socket.address();
      resolve({
        address: bound.address,
        port: bound.port,
        close: () => new Promise<void>((r) => socket.close(() => r())),
      });
    });
  });
}
