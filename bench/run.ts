import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORE_VERSION, PACKAGE_ROOT } from '../core/index.js';
import { engineContainers, rawContainers } from './docker.js';
import { healthDetection } from './health.js';
import { engineLaunch, rawLaunch } from './launch.js';
import { l4Comparison } from './l4.js';
import { placementScale } from './placement.js';
import { scaleBench } from './scale.js';
import { strategiesBench } from './strategies.js';
import { median, round } from './stats.js';

/**
 * `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run on
 * the same machine. Prints a table and writes bench/results/latest.json.
 */
const RUNS = Number(process.env.BATON_BENCH_RUNS ?? 7);
const N = 10;

/** Baseline runs before and after the measured side, so drift (warm caches) favours neither. */
async function around<T>(
  baseline: () => Promise<number>,
  measured: () => Promise<T>,
): Promise<{ raw: number[]; result: T }> {
  const raw: number[] = [];
  for (let i = 0; i < RUNS; i++) raw.push(await baseline());
  const result = await measured();
  for (let i = 0; i < RUNS; i++) raw.push(await baseline());
  return { raw, result };
}

const { raw, result: baton } = await around(
  () => rawLaunch(N),
  async () => (await engineLaunch(N, RUNS)).samples,
);

const health = await healthDetection(Math.min(RUNS, 5));

const { raw: rawC, result: batonC } = await around(
  () => rawContainers(N),
  () => engineContainers(N, RUNS),
);

/** A result row: medians of both sides and their ratio. */
const ratioRow = (name: string, baseline: string, rawMs: number[], batonMs: number[], goal: string) => ({
  name,
  baseline,
  baselineMs: round(median(rawMs)),
  batonMs: round(median(batonMs)),
  ratio: round(median(batonMs) / median(rawMs), 2),
  goal,
  samples: { raw: rawMs.map((x) => round(x)), baton: batonMs.map((x) => round(x)) },
});

const results = [
  ratioRow(
    `launch ${N} process instances until all answer`,
    'spawn the same 10 servers directly and poll until each answers',
    raw,
    baton,
    '≤ 1.2',
  ),
  ratioRow(
    `launch ${N} Docker containers until all answer`,
    'dockerode create + start of the same 10 containers, poll until each answers',
    rawC,
    batonC,
    '≤ 1.2',
  ),
  {
    name: 'health: unhealthy → kill (interval 1s, max 2)',
    baseline: "Marathon's bound: interval × (maxConsecutiveFailures + 1) + timeout",
    baselineMs: health.boundMs,
    batonMs: round(median(health.samples)),
    ratio: round(median(health.samples) / health.boundMs, 2),
    goal: '≤ 1.0',
    samples: { baton: health.samples.map((x) => round(x)) },
  },
];

// Scheduler placement at scale: 10,000 instances on 100 agents, and how it grows.
const scale = [
  [1000, 100],
  [5000, 100],
  [10000, 100],
  [10000, 10],
  [10000, 1000],
].map(([i, a]) => placementScale(i, a, Math.min(RUNS, 5)));
const headline = scale.find((s) => s.instances === 10000 && s.agents === 100)!;
for (const c of headline.cases) {
  results.push({
    name: `place 10,000 instances on 100 agents, ${c.name}`,
    baseline: 'the same scheduling pass without constraints (resources and ports only)',
    baselineMs: headline.baselineMs,
    batonMs: c.ms,
    ratio: round(c.ms / headline.baselineMs, 2),
    goal: '< 1000 ms',
    samples: { baton: [c.ms] },
  });
}

// L4: direct to the instances vs through the VIP proxy vs through HAProxy (TCP, leastconn), same load,
// with a new connection per request and with persistent connections (DC/OS's advice for VIPs).
const l4 = { perRequest: await l4Comparison(2000, 8, false), persistent: await l4Comparison(4000, 8, true) };
for (const [mode, r] of Object.entries(l4)) {
  results.push(
    {
      name: `VIP throughput, ${mode === 'perRequest' ? 'new connection each' : 'persistent connections'} (req/s)`,
      baseline: `direct to the 3 instances; plain HAProxy ${r.haproxy.rps} req/s = ${round(r.haproxy.rps / r.direct.rps, 2)} of direct`,
      baselineMs: r.direct.rps,
      batonMs: r.vip.rps,
      ratio: round(r.vip.rps / r.direct.rps, 2),
      goal: '≥ HAProxy ratio',
      samples: { baton: [r.vip.rps] },
    },
    {
      name: `VIP throughput, Node proxy fallback, ${mode === 'perRequest' ? 'new connection each' : 'persistent connections'} (req/s)`,
      baseline: 'direct to the 3 instances (BATON_VIP_DATAPLANE=node, or no haproxy)',
      baselineMs: r.direct.rps,
      batonMs: r.nodeVip.rps,
      ratio: round(r.nodeVip.rps / r.direct.rps, 2),
      goal: 'reported',
      samples: { baton: [r.nodeVip.rps] },
    },
    {
      name: `VIP p99, ${mode === 'perRequest' ? 'new connection each' : 'persistent connections'} (ms)`,
      baseline: `direct p99; HAProxy p99 ${r.haproxy.p99}`,
      baselineMs: r.direct.p99,
      batonMs: r.vip.p99,
      ratio: round(r.vip.p99 / r.direct.p99, 2),
      goal: 'overhead < 1 ms',
      samples: { baton: [r.vip.p99] },
    },
  );
}

// Failed requests through HAProxy while each strategy deploys, and while HAProxy reloads.
const strategies = await strategiesBench();
const steady = strategies.find((x) => x.scenario.startsWith('steady'))!;
for (const x of strategies.filter((y) => y !== steady)) {
  results.push({
    name: `${x.scenario}: ${x.requests} req, ${x.non2xx} non-2xx, ${x.errors} conn. errors; p99 (ms)`,
    baseline: `the same load with nothing changing (p99 ${steady.p99} ms, ${steady.requests} req, ${steady.non2xx + steady.errors} failed)`,
    baselineMs: steady.p99,
    batonMs: x.p99,
    ratio: round(x.p99 / steady.p99, 2),
    goal: '0 non-2xx, 0 errors',
    samples: { baton: [x.non2xx, x.errors, x.p50, x.p99] },
  });
}

// One engine daemon holding 1,000 running tasks with HTTP health checks.
const big = await scaleBench(1000);
const at = (n: number) => big.points.find((p) => p.tasks === n)!;
results.push(
  {
    name: 'API p99, GET /v2/apps?embed=apps.tasks, 1,000 tasks (ms)',
    baseline: 'the same request on the empty engine',
    baselineMs: at(0).api.p99,
    batonMs: at(1000).api.p99,
    ratio: round(at(1000).api.p99 / at(0).api.p99, 2),
    goal: '< 50 ms',
    samples: { baton: [at(1000).api.p50, at(1000).api.p99] },
  },
  {
    name: 'engine RSS with 1,000 tasks (MB)',
    baseline: 'the empty engine',
    baselineMs: at(0).rssMb,
    batonMs: at(1000).rssMb,
    ratio: round(at(1000).rssMb / at(0).rssMb, 2),
    goal: '< 300 MB',
    samples: { baton: [at(1000).rssMb] },
  },
  {
    name: 'engine CPU while idle, 1,000 tasks (% of a CPU)',
    baseline: 'the empty engine',
    baselineMs: at(0).idleCpuPct,
    batonMs: at(1000).idleCpuPct,
    ratio: round(at(1000).idleCpuPct / Math.max(at(0).idleCpuPct, 0.1), 1),
    goal: 'reported',
    samples: { baton: [at(1000).idleCpuPct] },
  },
);

const machine = {
  node: process.version,
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model,
  platform: `${os.platform()} ${os.release()}`,
};
console.log(`Baton ${CORE_VERSION} benchmarks (median of ${RUNS} runs; ${machine.cpus} CPUs, Node ${machine.node})`);
console.log(
  'benchmark'.padEnd(66) + 'baseline ms'.padStart(12) + 'baton ms'.padStart(10) + 'ratio'.padStart(8) + '  goal',
);
for (const r of results)
  console.log(
    r.name.padEnd(66) +
      String(r.baselineMs).padStart(12) +
      String(r.batonMs).padStart(10) +
      String(r.ratio).padStart(8) +
      '  ' +
      r.goal,
  );
console.log('\nplacement growth (ms per scheduling pass; placed instances in brackets)');
console.log(
  'instances'.padStart(10) +
    'agents'.padStart(8) +
    'none'.padStart(10) +
    scale[0].cases.map((c) => c.name.padStart(26)).join(''),
);
for (const s of scale)
  console.log(
    String(s.instances).padStart(10) +
      String(s.agents).padStart(8) +
      String(s.baselineMs).padStart(10) +
      s.cases.map((c) => `${c.ms} [${c.placed}]`.padStart(26)).join(''),
  );
const dir = path.join(PACKAGE_ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  path.join(dir, 'latest.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      version: CORE_VERSION,
      machine,
      results,
      placementGrowth: scale,
      l4,
      strategies,
      scale: big,
    },
    null,
    2,
  ),
);
