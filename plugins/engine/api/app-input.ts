import {
  Issues,
  marathonPath,
  normalizeApp,
  normalizePod,
  parsePointer,
  validateApp,
  validatePod,
  type App,
  type Issue,
  type Pod,
  APP_SCHEMA,
  POD_SCHEMA,
  compileSchema,
  schemaIssues,
} from '../../../core/index.js';
import type { StoredApp } from '../types.js';

let validateShape: ReturnType<typeof compileSchema> | undefined;

/** Marathon's 422 body: one entry per JSON path (marathon-semantics.md §10.4). */
export interface InvalidBody {
  message: string;
  details: { path: string; errors: string[] }[];
}

export class InvalidError extends Error {
  constructor(readonly body: InvalidBody) {
    super(body.message);
  }
}

export function invalidBody(issues: Issue[], prefix: (string | number)[] = []): InvalidBody {
  const byPath = new Map<string, string[]>();
  for (const i of issues) {
    const p = marathonPath([...prefix, ...parsePointer(i.path)]);
    byPath.set(p, [...(byPath.get(p) ?? []), i.message]);
  }
  return { message: 'Object is not valid', details: [...byPath].map(([path, errors]) => ({ path, errors })) };
}

/**
 * An app definition from the API, checked and normalised exactly as a recipe's (same schema, same
 * Marathon rules). Unknown fields are ignored, as Marathon's API does. Throws InvalidError (422).
 */
export function readApp(body: unknown, prefix: (string | number)[] = []): App {
  validateShape ??= compileSchema(APP_SCHEMA);
  const issues = new Issues();
  schemaIssues(validateShape, body, issues);
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const app = normalizeApp(raw, issues);
  validateApp(app, issues, raw.id);
  if (issues.errors.length > 0) throw new InvalidError(invalidBody(issues.errors, prefix));
  return app;
}

let validatePodShape: ReturnType<typeof compileSchema> | undefined;

/** A pod definition from the API, checked and normalised as a recipe's pod is (InvalidError: 422). */
export function readPod(body: unknown): Pod {
  validatePodShape ??= compileSchema(POD_SCHEMA);
  const issues = new Issues();
  schemaIssues(validatePodShape, body, issues);
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { version: _v, ...rest } = raw; // read-only
  const pod = normalizePod(rest);
  validatePod(pod, issues, raw.id);
  if (issues.errors.length > 0) throw new InvalidError(invalidBody(issues.errors));
  return pod;
}

const SERVICE_PORT_MIN = 10000;
const SERVICE_PORT_MAX = 20000;

/**
 * Service ports (marathon-semantics.md §9): zeros get ports from [10000, 20000], first reusing this app's
 * previous ones, then the lowest port no app uses. Values are written into the definition.
 */
export function assignServicePorts(app: App, previous: App | undefined, all: Iterable<StoredApp>): App {
  const used = new Set<number>();
  for (const s of all) {
    if (s.app.id === app.id) continue;
    for (const d of s.app.portDefinitions ?? []) used.add(d.port);
    for (const m of s.app.container?.portMappings ?? []) used.add(m.servicePort);
  }
  const mine = [
    ...(previous?.portDefinitions ?? []).map((d) => d.port),
    ...(previous?.container?.portMappings ?? []).map((m) => m.servicePort),
  ].filter((p) => p >= SERVICE_PORT_MIN && p <= SERVICE_PORT_MAX);
  const requested = new Set(
    [
      ...(app.portDefinitions ?? []).map((d) => d.port),
      ...(app.container?.portMappings ?? []).map((m) => m.servicePort),
    ].filter((p) => p !== 0),
  );
  const reuse = mine.filter((p) => !requested.has(p));
  const next = (): number => {
    const r = reuse.shift();
    if (r !== undefined) return r;
    for (let p = SERVICE_PORT_MIN; p <= SERVICE_PORT_MAX; p++) {
      if (!used.has(p) && !requested.has(p)) {
        used.add(p);
        return p;
      }
    }
    throw new InvalidError({
      message: 'Object is not valid',
      details: [{ path: '/portDefinitions', errors: ['the service port range 10000-20000 is exhausted'] }],
    });
  };
  const out: App = { ...app };
  if (app.portDefinitions)
    out.portDefinitions = app.portDefinitions.map((d) => (d.port === 0 ? { ...d, port: next() } : d));
  if (app.container?.portMappings) {
    out.container = {
      ...app.container,
      portMappings: app.container.portMappings.map((m) => (m.servicePort === 0 ? { ...m, servicePort: next() } : m)),
    };
  }
  return out;
}
