import { readFileSync } from 'node:fs';

/**
 * The local addresses the kernel has listening TCP sockets on for `port` (from /proc/net/tcp and
 * tcp6): what "bound to loopback" means observably, without sending traffic to any other address.
 */
export function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [hex, p] = local.split(':');
      if (parseInt(p, 16) === port) out.push(hexAddress(hex));
    }
  }
  return out;
}

/** /proc/net prints addresses as host-order (little-endian here) 32-bit words. */
function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255)
    return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export const isLoopback = (addr: string) =>
  /^(::ffff:)?127\./.test(addr) || addr === '0:0:0:0:0:0:0:1' || addr === '::1';
