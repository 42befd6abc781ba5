import { strategiesBench } from './strategies.js';

/** `npm run bench:strategies`: only the failed-requests-per-strategy benchmark (a few minutes), as a table. */
const rows = await strategiesBench();
console.log(
  'scenario'.padEnd(40) +
    'requests'.padStart(10) +
    'non-2xx'.padStart(9) +
    'errors'.padStart(8) +
    'p50 ms'.padStart(8) +
    'p99 ms'.padStart(8) +
    'seconds'.padStart(9),
);
for (const r of rows)
  console.log(
    r.scenario.padEnd(40) +
      String(r.requests).padStart(10) +
      String(r.non2xx).padStart(9) +
      String(r.errors).padStart(8) +
      String(r.p50).padStart(8) +
      String(r.p99).padStart(8) +
      String(r.seconds).padStart(9) +
      (Object.keys(r.errorKinds).length ? '  ' + JSON.stringify(r.errorKinds) : ''),
  );
process.exit(0);
