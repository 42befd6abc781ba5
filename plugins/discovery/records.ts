/** DNS answers the server can give, by lower-cased name. */
export interface RecordSet {
  a: Map<string, { address: string; ttl: number }[]>;
  srv: Map<string, { target: string; port: number; ttl: number }[]>;
}

export const MESOS_TTL = 60; // Mesos-DNS's ttl (marathon-lb-semantics.md §5)
export const L4LB_TTL = 5; // dcos-l4lb's VIP names

export function emptyRecords(): RecordSet {
  return { a: new Map(), srv: new Map() };
}

export function addA(r: RecordSet, name: string, address: string, ttl = MESOS_TTL): void {
  const key = name.toLowerCase();
  const list = r.a.get(key) ?? [];
  if (!list.some((x) => x.address === address)) list.push({ address, ttl });
  r.a.set(key, list);
}

export function addSrv(r: RecordSet, name: string, target: string, port: number, ttl = MESOS_TTL): void {
  const key = name.toLowerCase();
  const list = r.srv.get(key) ?? [];
  if (!list.some((x) => x.target === target && x.port === port)) list.push({ target, port, ttl });
  r.srv.set(key, list);
}
