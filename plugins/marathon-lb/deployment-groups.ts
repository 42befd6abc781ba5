import type { LbApp, LbTask, Split } from './model.js';

const GROUP = 'HAPROXY_DEPLOYMENT_GROUP';
const time = (s: string | undefined) => (s ? Date.parse(s) || 0 : 0);

/**
 * Which of two colours is "new" (marathon-lb-semantics.md §2, get_apps): the later STARTED_AT; in a hybrid
 * deploy (NEW_INSTANCES ≠ 0) the one scaled last, which is how zdd's --complete-prev reverses it.
 * marathon-lb means "≠ 0" but compares a string with 0, so it also flips a plain deploy for as long
 * as killing drained old tasks (a scale) is newer than growing the new colour, and drains new
 * servers meanwhile; Baton does what marathon-lb intends.
 */
function newerOf(a: LbApp, b: LbApp): [LbApp, LbApp] {
  const started = (x: LbApp) => time(x.labels?.HAPROXY_DEPLOYMENT_STARTED_AT);
  let [n, o] = started(a) >= started(b) ? [a, b] : [b, a];
  if (
    Number(n.labels?.HAPROXY_DEPLOYMENT_NEW_INSTANCES ?? 0) !== 0 &&
    time(o.versionInfo?.lastScalingAt) > time(n.versionInfo?.lastScalingAt)
  )
    [n, o] = [o, n];
  return [n, o];
}

const alive = (app: LbApp, t: LbTask) => !app.healthChecks?.length || (t.healthCheckResults ?? []).some((r) => r.alive);

/**
 * Merge the colours of each deployment group into one app, as marathon-lb does for zdd: every app
 * with HAPROXY_DEPLOYMENT_GROUP is served as `/<group>`; with two colours, the old colour's
 * definition serves the tasks of both, and as many old tasks as the new colour has healthy ones
 * beyond the target are marked draining (served disabled, so they get no new connections). A
 * traffic split on the group (a canary) replaces the draining: weights decide instead.
 */
export function mergeDeploymentGroups(apps: LbApp[], splits: ReadonlyMap<string, Split> = new Map()): LbApp[] {
  const byGroup = new Map<string, LbApp[]>();
  const out: LbApp[] = [];
  for (const app of apps) {
    const g = app.labels?.[GROUP];
    if (g) byGroup.set(g, [...(byGroup.get(g) ?? []), app]);
    else out.push(app);
  }
  for (const [group, members] of byGroup) {
    const tagged = (app: LbApp) => (app.tasks ?? []).map((t) => ({ ...t, appId: app.id }));
    if (members.length === 1) {
      out.push({ ...members[0], id: `/${group}`, tasks: tagged(members[0]) });
      continue;
    }
    // More than two: the two newest by STARTED_AT, as zdd does; the others are served on their own ids.
    const sorted = [...members].sort(
      (a, b) => time(b.labels?.HAPROXY_DEPLOYMENT_STARTED_AT) - time(a.labels?.HAPROXY_DEPLOYMENT_STARTED_AT),
    );
    out.push(...sorted.slice(2));
    const [neu, old] = newerOf(sorted[0], sorted[1]);
    const split = splits.get(group);
    const oldTasks = tagged(old).sort((a, b) => a.id.localeCompare(b.id));
    if (!split) {
      const target =
        neu.labels?.HAPROXY_DEPLOYMENT_NEW_INSTANCES !== undefined
          ? Number(neu.labels?.HAPROXY_DEPLOYMENT_TARGET_INSTANCES ?? 1)
          : 1;
      const healthyNew = neu.healthChecks?.length
        ? (neu.tasks ?? []).filter((t) => alive(neu, t)).length
        : (neu.instances ?? (neu.tasks ?? []).length);
      const drainable = Math.max(0, healthyNew + (old.instances ?? oldTasks.length) - target);
      const n = Math.min(oldTasks.length, healthyNew, drainable);
      for (let i = 0; i < n; i++) oldTasks[i].draining = true;
    }
    out.push({ ...old, id: `/${group}`, tasks: [...oldTasks, ...tagged(neu)], ...(split ? { split } : {}) });
  }
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * HAProxy server weights (0–256) that give the split's app `percent` % of new connections over
 * `nSplit` of its servers against `nOther` of the other colour's: w_split·nSplit / total = p.
 */
export function splitWeights(percent: number, nSplit: number, nOther: number): { split: number; other: number } {
  if (nSplit === 0 || nOther === 0) return { split: 1, other: 1 };
  if (percent <= 0) return { split: 0, other: 1 };
  if (percent >= 100) return { split: 1, other: 0 };
  // Work in tenths of a percent so 2.5 % is exact; then reduce and fit HAProxy's 1..256.
  const p = Math.round(percent * 10);
  let a = p * nOther;
  let b = (1000 - p) * nSplit;
  const d = gcd(a, b);
  a /= d;
  b /= d;
  const max = Math.max(a, b);
  if (max > 256) {
    a = Math.max(1, Math.round((a * 256) / max));
    b = Math.max(1, Math.round((b * 256) / max));
  }
  return { split: a, other: b };
}
