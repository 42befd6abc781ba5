import { l4Comparison } from './l4.js';

/** `npm run bench:l4`: only direct vs VIP (HAProxy data plane, Node proxy) vs plain HAProxy, as a table. */
console.log(
  'load'.padEnd(24) +
    'target'.padEnd(22) +
    'req/s'.padStart(8) +
    'of direct'.padStart(11) +
    'p50 ms'.padStart(8) +
    'p99 ms'.padStart(8) +
    'failed'.padStart(8),
);
for (const [load, r] of [
  ['new connection each', await l4Comparison(2000, 8, false)],
  ['persistent connections', await l4Comparison(4000, 8, true)],
] as const) {
  for (const [name, x] of [
    ['direct', r.direct],
    ['VIP (HAProxy plane)', r.vip],
    ['VIP (Node proxy)', r.nodeVip],
    ['plain HAProxy', r.haproxy],
  ] as const) {
    console.log(
      load.padEnd(24) +
        name.padEnd(22) +
        String(x.rps).padStart(8) +
        (x.rps / r.direct.rps).toFixed(2).padStart(11) +
        String(x.p50).padStart(8) +
        String(x.p99).padStart(8) +
        String(x.failed).padStart(8),
    );
  }
}
process.exit(0);
