import path from 'node:path';
import { canonicalId, isChildOf } from '../marathon/ids.js';
import { normalizeApp } from '../marathon/normalize-app.js';
import { normalizePod } from '../marathon/pod.js';
import type { Issues, JsonPath } from '../validation.js';
import { pluginSettings } from './plugins.js';
import type { Located, Recipe, RecipeGroup, TargetSpec } from './types.js';
import type { App, Pod } from '../marathon/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON */
type Raw = Record<string, any>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A recipe's `target`. One that names none goes to BATON_MARATHON_URL when set (CI), else to the
 * embedded engine — for `deploy` and for every command given a recipe (destroy, status, promote…).
 */
export function parseTarget(given: unknown): TargetSpec {
  const t = given ?? (process.env.BATON_MARATHON_URL || undefined);
  if (t === undefined || t === 'embedded') return { kind: 'embedded', settings: {} };
  if (typeof t === 'string') {
    return /^https?:\/\//.test(t) ? { kind: 'marathon', url: t, settings: {} } : { kind: t, settings: {} };
  }
  const o = isObj(t) ? t : {};
  const kind = typeof o.kind === 'string' ? o.kind : typeof o.url === 'string' ? 'marathon' : 'embedded';
  return { kind, ...(typeof o.url === 'string' ? { url: o.url } : {}), settings: o };
}

/**
 * Turn a loaded (schema-checked) raw recipe into the Recipe model: groups flattened into apps and
 * pods with absolute ids (each remembering its JSON path), everything normalised the way Marathon
 * does. Findings only normalisation can make (ids outside their group, duplicate ids) go to
 * `issues`.
 */
export function buildRecipe(
  raw: Raw,
  opts: { file?: string; defaultName: string; cwd?: string },
  issues: Issues,
): Recipe {
  const apps: Located<App>[] = [];
  const pods: Located<Pod>[] = [];
  const groups: RecipeGroup[] = [];

  const addApp = (a: unknown, at: JsonPath, parent: string) => {
    if (!isObj(a)) return;
    const spec = normalizeApp(a, issues.at(...at), parent);
    if (typeof a.id === 'string' && parent !== '/' && !isChildOf(spec.id, parent)) {
      issues.at(...at).error(['id'], 'group.child-id', `Identifier ${spec.id} is not child of ${parent}`);
    }
    apps.push({ spec, path: at, raw: a });
  };
  const addPod = (p: unknown, at: JsonPath, parent: string) => {
    if (!isObj(p)) return;
    pods.push({ spec: normalizePod(p, parent), path: at, raw: p });
  };
  const addGroup = (g: unknown, at: JsonPath, parent: string) => {
    if (!isObj(g) || typeof g.id !== 'string') return;
    const id = canonicalId(g.id, parent);
    if (parent !== '/' && !isChildOf(id, parent))
      issues.at(...at).error(['id'], 'group.child-id', `Identifier ${id} is not child of ${parent}`);
    groups.push({
      id,
      dependencies: (Array.isArray(g.dependencies) ? g.dependencies : []).map((d: string) =>
        canonicalId(String(d), id),
      ),
      path: at,
    });
    (Array.isArray(g.apps) ? g.apps : []).forEach((a: unknown, i: number) => addApp(a, [...at, 'apps', i], id));
    (Array.isArray(g.pods) ? g.pods : []).forEach((p: unknown, i: number) => addPod(p, [...at, 'pods', i], id));
    (Array.isArray(g.groups) ? g.groups : []).forEach((s: unknown, i: number) => addGroup(s, [...at, 'groups', i], id));
  };

  (Array.isArray(raw.apps) ? raw.apps : []).forEach((a: unknown, i: number) => addApp(a, ['apps', i], '/'));
  (Array.isArray(raw.pods) ? raw.pods : []).forEach((p: unknown, i: number) => addPod(p, ['pods', i], '/'));
  (Array.isArray(raw.groups) ? raw.groups : []).forEach((g: unknown, i: number) => addGroup(g, ['groups', i], '/'));

  // One id, one run spec: an app, a pod and a group may not share an id (Marathon answers 409).
  const seen = new Map<string, JsonPath>();
  for (const { spec, path: at } of [...apps, ...pods] as Located<{ id: string }>[]) {
    if (!spec.id) continue;
    const first = seen.get(spec.id);
    if (first)
      issues
        .at(...at)
        .error(['id'], 'recipe.duplicate-id', `id ${spec.id} is already used at ${'/' + first.join('/')}`);
    else seen.set(spec.id, at);
  }
  for (const g of groups) {
    if (seen.has(g.id))
      issues.at(...g.path).error(['id'], 'recipe.duplicate-id', `group id ${g.id} is already used by an app or pod`);
  }

  const dir = opts.file ? path.dirname(opts.file) : (opts.cwd ?? process.cwd());
  return {
    name: typeof raw.name === 'string' ? raw.name : opts.defaultName,
    ...(opts.file ? { file: opts.file } : {}),
    dir,
    target: parseTarget(raw.target),
    plugins: pluginSettings(raw.plugins),
    strict: raw.strict !== false,
    apps,
    pods,
    groups,
    raw,
  };
}
