import { parsePointer, pointer, type App, type Issue, type JsonPath } from '../../core/index.js';

/**
 * The app as Marathon gets it: fields validation reported as unknown (`schema.unknown-field`,
 * "Marathon would silently ignore it") are left out, so what is sent is exactly what Marathon
 * reads — checked against Marathon's own JSON schema and RAML types in test/marathon.
 */
export function forMarathon(app: App, at: JsonPath, issues: readonly Issue[]): App {
  const base = pointer(at);
  const unknown = issues.filter((i) => i.rule === 'schema.unknown-field' && i.path.startsWith(base + '/'));
  if (unknown.length === 0) return app;
  const out = structuredClone(app) as unknown as Record<string | number, unknown>;
  for (const i of unknown) {
    const path = parsePointer(i.path.slice(base.length));
    let node: unknown = out;
    for (const k of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[k] : undefined;
    if (node && typeof node === 'object' && !Array.isArray(node)) delete (node as Record<string | number, unknown>)[path.at(-1)!];
  }
  return out as unknown as App;
}
