import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORE_VERSION, PACKAGE_ROOT } from '../core/index.js';
import { engineContainers, rawContainers } from './docker.js';
import { healthDetection } from './health.js';
import { engineLaunch, rawLaunch } from './launch.js';
import { l4Comparison } from './l4.js';
import { placementScale } from './placement.js';
import { progress } from './progress.js';
import { scaleBench, type ScalePoint } from './scale.js';
import { startupRows } from './startup-only.js';
import { strategiesBench } from './strategies.js';
import { median, round } from './stats.js';

/**
 * `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run on
 * the same machine, each against its goal. Prints progress on stderr, a table on stdout with the
 * goals met and missed, writes bench/results/latest.json, and exits 1 when a goal is missed — so
 * a regression shows the moment the benchmark runs.
 */
const RUNS = Number(process.env.BATON_BENCH_RUNS ?? 7);
const N = 10;

interface Row {
  name: string;
  baseline: string;
  baselineValue: number;
  value: number;
  ratio: number;
  goal: string;
  /** undefined: reported, no goal. */
  met?: boolean;
  samples?: Record<string, number[]>;
}
const results: Row[] = [];
const row = (r: Row) => results.push(r);

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

/** A row of two sides' medians and their ratio, met when the ratio is at most `max`. */
const ratioRow = (name: string, baseline: string, rawMs: number[], batonMs: number[], max: number) => {
  const ratio = round(median(batonMs) / median(rawMs), 2);
  row({
    name,
    baseline,
    baselineValue: round(median(rawMs)),
    value: round(median(batonMs)),
    ratio,
    goal: `≤ ${max}`,
    met: ratio <= max,
    samples: { raw: rawMs.map((x) => round(x)), baton: batonMs.map((x) => round(x)) },
  });
};

progress(`launch: ${N} process instances, ${RUNS} runs each side`);
const { raw, result: baton } = await around(
  () => rawLaunch(N),
  async () => (await engineLaunch(N, RUNS)).samples,
);
ratioRow(
  `launch ${N} process instances until all answer`,
  `spawn the same ${N} servers directly and poll until each answers`,
  raw,
  baton,
  1.2,
);

progress('health: time from unhealthy to the kill');
const health = await healthDetection(Math.min(RUNS, 5));
row({
  name: 'health: unhealthy → kill (interval 1s, max 2)',
  baseline: "Marathon's bound: interval × (maxConsecutiveFailures + 1) + timeout",
  baselineValue: health.boundMs,
  value: round(median(health.samples)),
  ratio: round(median(health.samples) / health.boundMs, 2),
  goal: '≤ 1.0',
  met: median(health.samples) <= health.boundMs,
  samples: { baton: health.samples.map((x) => round(x)) },
});

progress(`launch: ${N} Docker containers, ${RUNS} runs each side`);
const { raw: rawC, result: batonC } = await around(
  () => rawContainers(N),
  () => engineContainers(N, RUNS),
);
ratioRow(
  `launch ${N} Docker containers until all answer`,
  `dockerode create + start of the same ${N} containers, poll until each answers`,
  rawC,
  batonC,
  1.2,
);

// Scheduler placement at scale: 10,000 instances on 100 agents, and how it grows.
progress('placement: scheduling passes up to 10,000 instances');
const placement = [
  [1000, 100],
  [5000, 100],
  [10000, 100],
  [10000, 10],
  [10000, 1000],
].map(([i, a]) => placementScale(i, a, Math.min(RUNS, 5)));
const headline = placement.find((s) => s.instances === 10000 && s.agents === 100)!;
for (const c of headline.cases)
  row({
    name: `place 10,000 instances on 100 agents, ${c.name}`,
    baseline: 'the same scheduling pass without constraints (resources and ports only)',
    baselineValue: headline.baselineMs,
    value: c.ms,
    ratio: round(c.ms / headline.baselineMs, 2),
    goal: '< 1000 ms',
    met: c.ms < 1000,
  });

// L4: direct to the instances vs through the VIP vs through plain HAProxy (TCP, leastconn), same
// load, a new connection per request and persistent connections (DC/OS's advice for VIPs).
progress('L4: direct, VIP (HAProxy data plane), VIP (Node proxy), plain HAProxy');
const l4 = { perRequest: await l4Comparison(2000, 8, false), persistent: await l4Comparison(4000, 8, true) };
for (const [mode, r] of Object.entries(l4)) {
  const load = mode === 'perRequest' ? 'new connection each' : 'persistent connections';
  const haproxyRatio = round(r.haproxy.rps / r.direct.rps, 2);
  row({
    name: `VIP throughput, ${load} (req/s)`,
    baseline: `direct to the 3 instances; plain HAProxy ${r.haproxy.rps} req/s = ${haproxyRatio} of direct`,
    baselineValue: r.direct.rps,
    value: r.vip.rps,
    ratio: round(r.vip.rps / r.direct.rps, 2),
    goal: '≥ 0.95 × HAProxy ratio',
    met: r.vip.rps / r.direct.rps >= 0.95 * haproxyRatio,
  });
  row({
    name: `VIP throughput, Node proxy fallback, ${load} (req/s)`,
    baseline: 'direct to the 3 instances (BATON_VIP_DATAPLANE=node, or no haproxy)',
    baselineValue: r.direct.rps,
    value: r.nodeVip.rps,
    ratio: round(r.nodeVip.rps / r.direct.rps, 2),
    goal: 'reported',
  });
  row({
    name: `VIP p99, ${load} (ms)`,
    baseline: `direct p99; HAProxy p99 ${r.haproxy.p99}`,
    baselineValue: r.direct.p99,
    value: r.vip.p99,
    ratio: round(r.vip.p99 / r.direct.p99, 2),
    goal: 'overhead < 1 ms',
    met: r.vip.p99 - r.direct.p99 < 1,
  });
}

// Failed requests through HAProxy while each strategy deploys, and while HAProxy reloads.
progress('strategies: rolling, blue-green, canary and HAProxy reloads under load');
const strategies = await strategiesBench();
const steady = strategies.find((x) => x.scenario.startsWith('steady'))!;
for (const x of strategies.filter((y) => y !== steady))
  row({
    name: `${x.scenario}: ${x.requests} req, ${x.non2xx} non-2xx, ${x.errors} conn. errors; p99 (ms)`,
    baseline: `the same load with nothing changing (p99 ${steady.p99} ms, ${steady.requests} req, ${steady.non2xx + steady.errors} failed)`,
    baselineValue: steady.p99,
    value: x.p99,
    ratio: round(x.p99 / steady.p99, 2),
    goal: '0 non-2xx, 0 errors',
    met: x.non2xx === 0 && x.errors === 0,
    samples: { baton: [x.non2xx, x.errors, x.p50, x.p99] },
  });

// CLI start-up: whole processes against `node -e 0` (the bundled CLI, as users run it).
progress('CLI start-up: --version, --help, validate, schema, plan, status against node -e 0');
const startup = await startupRows(Math.max(RUNS, 7));
for (const r of startup.rows)
  row({
    name: `CLI: ${r.command} (ms)`,
    baseline: `node -e 0, median of the same rounds (${startup.nodeMs} ms)`,
    baselineValue: startup.nodeMs,
    value: r.ms,
    ratio: r.ratio,
    goal: `≤ ${r.goal}×`,
    met: r.ratio <= r.goal,
  });

// One engine daemon holding up to 5,000 running tasks with HTTP health checks every 10 s.
const STEPS = (process.env.BATON_BENCH_SCALE ?? '1000,2500,5000').split(',').map(Number);
progress(`scale: one engine up to ${STEPS.at(-1)} health-checked tasks (several minutes)`);
const big = await scaleBench(STEPS);
const at = (n: number) => big.points.find((p) => p.tasks === n)!;
const empty = at(0);
row({
  name: `deploy ${big.burst.instances} new instances until all are healthy (s)`,
  baseline: 'start the same servers directly and poll until each answers',
  baselineValue: big.burst.directS,
  value: big.burst.batonS,
  ratio: round(big.burst.batonS / big.burst.directS, 2),
  goal: '≤ 1.5',
  met: big.burst.batonS / big.burst.directS <= 1.5,
});
for (const p of big.points.filter((x) => x.tasks > 0)) {
  const n = p.tasks.toLocaleString('en');
  const apiGoal = p.tasks <= 1000 ? 50 : 60;
  const cpuGoal = p.tasks <= 1000 ? 3 : p.tasks <= 2500 ? 6 : 12;
  row({
    name: `API p99, GET /v2/apps?embed=apps.tasks, ${n} tasks (ms; ${p.api.kb} KB)`,
    baseline: 'the same request on the empty engine',
    baselineValue: empty.api.p99,
    value: p.api.p99,
    ratio: round(p.api.p99 / empty.api.p99, 2),
    goal: `≤ ${apiGoal} ms`,
    met: p.api.p99 <= apiGoal,
  });
  row({
    name: `engine CPU while idle, ${n} tasks (% of a CPU)`,
    baseline: 'the empty engine',
    baselineValue: empty.idleCpuPct,
    value: p.idleCpuPct,
    ratio: round(p.idleCpuPct / Math.max(empty.idleCpuPct, 0.1), 1),
    goal: `≤ ${cpuGoal} %`,
    met: p.idleCpuPct <= cpuGoal,
  });
  row({
    name: `engine RSS, ${n} tasks (MB)`,
    baseline: 'the empty engine',
    baselineValue: empty.rssMb,
    value: p.rssMb,
    ratio: round(p.rssMb / empty.rssMb, 2),
    goal: '≤ 400 MB',
    met: p.rssMb <= 400,
  });
  row({
    name: `event loop lag p99 while idle, ${n} tasks (ms; max ${p.loop.maxMs})`,
    baseline: 'the empty engine',
    baselineValue: empty.loop.p99Ms,
    value: p.loop.p99Ms,
    ratio: round(p.loop.p99Ms / Math.max(empty.loop.p99Ms, 0.1), 1),
    goal: '≤ 20 ms',
    met: p.loop.p99Ms <= 20,
  });
}

if (big.observed) {
  const { watched, unwatched } = big.observed;
  const n = watched[0].tasks.toLocaleString('en');
  const med = (ps: ScalePoint[], f: (p: ScalePoint) => number) => median(ps.map(f));
  const apiW = med(watched, (p) => p.api.p99);
  const apiU = med(unwatched, (p) => p.api.p99);
  const cpuW = med(watched, (p) => p.idleCpuPct);
  const cpuU = Math.max(
    med(unwatched, (p) => p.idleCpuPct),
    0.1,
  );
  const of = `median of ${watched.length} windows each, alternating`;
  row({
    name: `API p99 with 2 dashboard pages + Prometheus (5 s), ${n} tasks (ms; ${of})`,
    baseline: 'the same engine, nobody watching',
    baselineValue: apiU,
    value: apiW,
    ratio: round(apiW / apiU, 2),
    goal: '≤ 1.1×',
    met: apiW / apiU <= 1.1,
  });
  row({
    name: `engine CPU while idle with 2 dashboard pages + Prometheus, ${n} tasks (%; ${of})`,
    baseline: 'the same engine, nobody watching',
    baselineValue: cpuU,
    value: cpuW,
    ratio: round(cpuW / cpuU, 2),
    goal: '≤ 1.1×',
    met: cpuW / cpuU <= 1.1,
  });
}

const machine = {
  node: process.version,
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model,
  platform: `${os.platform()} ${os.release()}`,
};
console.log(`Baton ${CORE_VERSION} benchmarks (median of ${RUNS} runs; ${machine.cpus} CPUs, Node ${machine.node})`);
console.log('benchmark'.padEnd(74) + 'baseline'.padStart(10) + 'baton'.padStart(10) + 'ratio'.padStart(8) + '  goal');
for (const r of results)
  console.log(
    `${r.met === undefined ? ' ' : r.met ? '✓' : '✗'} ${r.name.padEnd(72)}` +
      String(r.baselineValue).padStart(10) +
      String(r.value).padStart(10) +
      String(r.ratio).padStart(8) +
      '  ' +
      r.goal,
  );
console.log('\nplacement growth (ms per scheduling pass; placed instances in brackets)');
console.log(
  'instances'.padStart(10) +
    'agents'.padStart(8) +
    'none'.padStart(10) +
    placement[0].cases.map((c) => c.name.padStart(26)).join(''),
);
for (const s of placement)
  console.log(
    String(s.instances).padStart(10) +
      String(s.agents).padStart(8) +
      String(s.baselineMs).padStart(10) +
      s.cases.map((c) => `${c.ms} [${c.placed}]`.padStart(26)).join(''),
  );
const missed = results.filter((r) => r.met === false);
const goals = results.filter((r) => r.met !== undefined).length;
console.log(
  `\n${goals - missed.length} of ${goals} goals met${missed.length ? `; missed: ${missed.map((r) => r.name).join('; ')}` : ''}`,
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
      placementGrowth: placement,
      l4,
      strategies,
      scale: big,
    },
    null,
    2,
  ),
);
process.exit(missed.length ? 1 : 0);
