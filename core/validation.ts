import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/** A JSON path as segments: ['apps', 0, 'id']. */
export type JsonPath = ReadonlyArray<string | number>;

export type Severity = 'error' | 'warning';

/**
 * One finding. `path` is a JSON Pointer into the recipe ("/apps/0/cpus"), `rule` a stable id
 * ("app.cmd-args-container") that docs and tests refer to, `message` what is wrong in words.
 */
export interface Issue {
  path: string;
  rule: string;
  message: string;
  severity: Severity;
  plugin?: string;
}

/** JSON Pointer (RFC 6901) of a path: what Baton prints. */
export function pointer(path: JsonPath): string {
  if (path.length === 0) return '/';
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Marathon's own 422 path style: "/apps(0)/id" (marathon-semantics.md §10.4). */
export function marathonPath(path: JsonPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `(${seg})` : `/${seg}`;
  return out || '/';
}

/** Parse a JSON Pointer back into segments (numbers where they index arrays). */
export function parsePointer(p: string): (string | number)[] {
  if (p === '' || p === '/') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => {
      const u = s.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(u) ? Number(u) : u;
    });
}

/**
 * Collects issues at and below a base path. Rules never throw on bad input: they report and go on,
 * so the user sees every mistake at once (semantic-release PR #620).
 */
export class Issues {
  constructor(
    private readonly sink: Issue[] = [],
    private readonly base: JsonPath = [],
    private readonly plugin?: string,
  ) {}

  /** A collector for a sub-tree: paths given to it are relative to `sub`. */
  at(...sub: JsonPath): Issues {
    return new Issues(this.sink, [...this.base, ...sub], this.plugin);
  }

  /** The same sink, with findings attributed to a plugin. */
  forPlugin(plugin: string): Issues {
    return new Issues(this.sink, this.base, plugin);
  }

  error(path: JsonPath, rule: string, message: string): void {
    this.add(path, rule, message, 'error');
  }

  warn(path: JsonPath, rule: string, message: string): void {
    this.add(path, rule, message, 'warning');
  }

  private add(path: JsonPath, rule: string, message: string, severity: Severity): void {
    const full = pointer([...this.base, ...path]);
    // One error per path is enough: the schema and a semantic rule may both see a bad value.
    if (this.sink.some((i) => i.path === full && (i.rule === rule || (severity === 'error' && i.severity === 'error'))))
      return;
    this.sink.push({ path: full, rule, message, severity, ...(this.plugin ? { plugin: this.plugin } : {}) });
  }

  get list(): readonly Issue[] {
    return this.sink;
  }
  /** Errors, grouped by definition in document order (see sortIssues). */
  get errors(): Issue[] {
    return sortIssues(this.sink.filter((i) => i.severity === 'error'));
  }
  get warnings(): Issue[] {
    return sortIssues(this.sink.filter((i) => i.severity === 'warning'));
  }
}

/**
 * Group issues by the definition they are about (/apps/0, /groups/1/apps/2, ...) in document
 * order; within one definition they keep the order rules found them (schema first).
 */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  const owner = (p: string): (string | number)[] => {
    const segs = parsePointer(p);
    let last = 0;
    segs.forEach((s, i) => {
      if (typeof s === 'number' && ['apps', 'pods', 'groups'].includes(String(segs[i - 1]))) last = i + 1;
    });
    return segs.slice(0, last);
  };
  const cmp = (a: (string | number)[], b: (string | number)[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      if (typeof a[i] === 'number' && typeof b[i] === 'number') return (a[i] as number) - (b[i] as number);
      return String(a[i]) < String(b[i]) ? -1 : 1;
    }
    return a.length - b.length;
  };
  return [...issues].sort((x, y) => cmp(owner(x.path), owner(y.path)));
}

let sharedAjv: Ajv | undefined;
/** One Ajv instance: compiling is the expensive part, so schemas are compiled once per process. */
export function ajv(): Ajv {
  // Loaded on first compile: the recipe schema's validator is cached compiled (schema-cache.ts).
  const { Ajv: AjvClass } = require('ajv') as typeof AjvModule;
  sharedAjv ??= new AjvClass({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });
  return sharedAjv;
}

/** Compile a schema. Its `$id` is dropped: each runner compiles its own variant of the recipe schema. */
export function compileSchema(schema: object): ValidateFunction {
  const { $id: _id, ...anonymous } = schema as Record<string, unknown>;
  return ajv().compile(anonymous);
}

/**
 * Run a compiled schema and turn Ajv's errors into Issues. Unknown fields become warnings (or
 * errors when `strict`), with a "did you mean" when a known field is close.
 */
export function schemaIssues(validate: ValidateFunction, data: unknown, issues: Issues, strict = false): void {
  if (validate(data)) return;
  for (const e of validate.errors ?? []) reportAjvError(e, issues, strict);
}

function reportAjvError(e: ErrorObject, issues: Issues, strict: boolean): void {
  const path = parsePointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const hint = suggest(field, known);
      const msg = `unknown field '${field}'${hint ? ` (did you mean '${hint}'?)` : ''}; Marathon would silently ignore it`;
      if (strict) issues.error([...path, field], 'schema.unknown-field', msg);
      else issues.warn([...path, field], 'schema.unknown-field', msg);
      return;
    }
    case 'required':
      issues.error([...path, String(p.missingProperty)], 'schema.required', 'is required');
      return;
    case 'type':
      issues.error(path, 'schema.type', `must be ${[p.type].flat().join(' or ')}`);
      return;
    case 'enum':
      issues.error(
        path,
        'schema.enum',
        `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
      return;
    case 'minimum':
    case 'maximum':
      issues.error(path, `schema.${e.keyword}`, `must be ${p.comparison} ${p.limit}`);
      return;
    default:
      issues.error(path, `schema.${e.keyword}`, e.message ?? 'is invalid');
  }
}

/** Closest known name within edit distance 2, for typo hints. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
