import { createHash } from 'node:crypto';

/** Parse "a.b.c.d/n" into its first and last usable IPv4 addresses as numbers. */
export function parseRange(cidr: string): { first: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const base = ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const n = Number(bits ?? 32);
  const size = 2 ** (32 - n);
  const start = base - (base % size);
  // Skip the network and broadcast addresses of ranges that have them.
  return size > 2 ? { first: start + 1, size: size - 2 } : { first: start, size };
}

const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/**
 * Addresses for named VIPs, as dcos-l4lb allocates them (marathon-lb-semantics.md §4): the name hashed into
 * the range, the next free address on a collision. Stable for a name as long as it is in use.
 */
export class VipAllocator {
  private readonly byName = new Map<string, string>();
  private readonly range: { first: number; size: number };

  constructor(cidr: string) {
    this.range = parseRange(cidr);
  }

  addressOf(name: string): string {
    const known = this.byName.get(name);
    if (known) return known;
    const used = new Set(this.byName.values());
    const h = createHash('sha256').update(name).digest().readUInt32BE(0) % this.range.size;
    for (let k = 0; k < this.range.size; k++) {
      const ip = toIp(this.range.first + ((h + k) % this.range.size));
      if (!used.has(ip)) {
        this.byName.set(name, ip);
        return ip;
      }
    }
    throw new Error(`the VIP range is full (${this.range.size} addresses)`);
  }

  /** Forget names no longer declared, so their addresses can be reused. */
  retain(names: Set<string>): void {
    for (const n of [...this.byName.keys()]) if (!names.has(n)) this.byName.delete(n);
  }
}
