import {
  Issues,
  normalizeApp,
  normalizePod,
  parsePointer,
  pointer,
  type App,
  type Issue,
  type JsonPath,
  type Pod,
  dropNulls,
} from '../../core/index.js';

/** What Marathon adds to an app it returns (status, versions, tasks): not part of the definition. */
const READ_ONLY = [
  'version',
  'versionInfo',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'tasks',
  'lastTaskFailure',
  'taskStats',
  'readinessCheckResults',
];

/**
 * An app or pod as Marathon gets it: fields validation reported as unknown (`schema.unknown-field`,
 * "Marathon would silently ignore it") are left out, so what is sent is exactly what Marathon
 * reads — checked against Marathon's own JSON schema and RAML types in test/marathon.
 */
export function forMarathon<T extends object>(app: T, at: JsonPath, issues: readonly Issue[]): T {
  const base = pointer(at);
  const unknown = issues.filter((i) => i.rule === 'schema.unknown-field' && i.path.startsWith(base + '/'));
  if (unknown.length === 0) return app;
  const out = structuredClone(app) as unknown as Record<string | number, unknown>;
  for (const i of unknown) {
    const path = parsePointer(i.path.slice(base.length));
    let node: unknown = out;
    for (const k of path.slice(0, -1))
      node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[k] : undefined;
    if (node && typeof node === 'object' && !Array.isArray(node))
      delete (node as Record<string | number, unknown>)[path.at(-1)!];
  }
  return out as unknown as T;
}

/**
 * An app's definition as Marathon returns it, without what Marathon adds, and without its nulls
 * (`"args": null`, `"user": null`): Marathon reads null as absent, its schema does not allow it.
 */
export function definitionOf(a: Record<string, unknown>): Record<string, unknown> {
  const out = dropNulls(a) as Record<string, unknown>;
  for (const k of READ_ONLY) delete out[k];
  return out;
}

/** An app Marathon returns, normalised as a recipe's, so comparisons are like for like. */
export const appFromMarathon = (a: Record<string, unknown>): App => normalizeApp(definitionOf(a), new Issues());

/** A pod Marathon returns (without its version, nulls dropped), normalised as a recipe's. */
export function podFromMarathon(p: Pod): Pod {
  const { version: _v, ...rest } = p as Pod & { version?: string };
  return normalizePod(dropNulls(rest) as Record<string, unknown>);
}
