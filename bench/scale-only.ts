import { scaleBench } from './scale.js';

/**
 * `npm run bench:scale`: only the engine at scale (0 and each step of BATON_BENCH_SCALE, default
 * 1000,2500,5000 health-checked tasks) and the 1,000-instance deploy, as a table.
 */
const steps = (process.env.BATON_BENCH_SCALE ?? '1000,2500,5000').split(',').map(Number);
const r = await scaleBench(steps);
console.log(
  `deploy ${r.burst.instances} instances until healthy: ${r.burst.batonS} s; directly ${r.burst.directS} s; ratio ${(r.burst.batonS / r.burst.directS).toFixed(2)}`,
);
console.log(
  'tasks'.padStart(6) +
    'API p50'.padStart(9) +
    'API p99'.padStart(9) +
    'KB'.padStart(7) +
    'RSS MB'.padStart(8) +
    'idle CPU %'.padStart(12) +
    'loop p99'.padStart(10) +
    'loop max'.padStart(10),
);
const watched = (r.observed?.watched ?? []).map((p) => ({ ...p, tasks: `${p.tasks}+ui` }));
for (const p of [...r.points, ...(r.observed?.unwatched.slice(1) ?? []), ...watched])
  console.log(
    String(p.tasks).padStart(6) +
      String(p.api.p50).padStart(9) +
      String(p.api.p99).padStart(9) +
      String(p.api.kb).padStart(7) +
      String(p.rssMb).padStart(8) +
      String(p.idleCpuPct).padStart(12) +
      String(p.loop.p99Ms).padStart(10) +
      String(p.loop.maxMs).padStart(10),
  );
process.exit(0);
