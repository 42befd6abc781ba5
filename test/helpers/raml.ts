import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import yaml from 'js-yaml';

type Schema = Record<string, unknown>;
type Decl = string | Record<string, unknown>;

const BUILTIN: Record<string, Schema> = {
  string: { type: 'string' },
  number: { type: 'number' },
  integer: { type: 'integer' },
  boolean: { type: 'boolean' },
  object: { type: 'object' },
  array: { type: 'array' },
  any: {},
  nil: { type: 'null' },
  datetime: { type: 'string' },
  'datetime-only': { type: 'string' },
  'date-only': { type: 'string' },
  'time-only': { type: 'string' },
};
/** RAML facets that are JSON Schema keywords as they are. */
const FACETS = [
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
];

/**
 * Marathon's RAML 1.0 types (reference/marathon-data/raml-types) as JSON Schema, for ajv: the
 * subset Marathon's files use — libraries (`uses`), inheritance, unions, `X[]`, optional `p?`,
 * pattern properties (`/regex/`), discriminators, and the facets above. RAML objects accept other
 * properties unless `additionalProperties: false`, as here. Annotations, examples and defaults are
 * not constraints and are skipped. A test-only reader: no RAML library runs on Node 20 today.
 */
export class RamlTypes {
  private readonly defs: Record<string, Schema> = {};
  private readonly loaded = new Set<string>();

  constructor(private readonly dir: string) {}

  /** A validator for one type of one file, e.g. `validator('pod.raml', 'Pod')`. */
  validator(file: string, type: string): ValidateFunction {
    this.load(file);
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
    return ajv.compile({ $ref: `#/$defs/${key(file, type)}`, $defs: this.defs });
  }

  private load(file: string): void {
    if (this.loaded.has(file)) return;
    this.loaded.add(file);
    const doc = yaml.load(readFileSync(path.join(this.dir, file), 'utf8').replace(/^#%RAML.*\n/, '')) as {
      uses?: Record<string, string>;
      types?: Record<string, Decl>;
    };
    const uses = doc.uses ?? {};
    for (const lib of Object.values(uses)) this.load(lib);
    const ref = (name: string): Schema => {
      const dot = name.indexOf('.');
      if (dot > 0 && uses[name.slice(0, dot)])
        return { $ref: `#/$defs/${key(uses[name.slice(0, dot)], name.slice(dot + 1))}` };
      if (BUILTIN[name]) return BUILTIN[name];
      if (doc.types?.[name] === undefined) throw new Error(`${file}: unknown type ${name}`);
      return { $ref: `#/$defs/${key(file, name)}` };
    };
    const types = doc.types ?? {};
    const subtypes = new Map<string, string[]>();
    for (const [name, decl] of Object.entries(types)) {
      const d = typeof decl === 'object' ? decl : {};
      const parent = typeof d.type === 'string' ? types[d.type] : undefined;
      const field = typeof parent === 'object' ? (parent.discriminator as string | undefined) : undefined;
      if (d.discriminatorValue === undefined || !field) {
        this.defs[key(file, name)] = this.decl(decl, ref);
        continue;
      }
      // A subtype of a discriminated type: the parent's own facets, and its discriminator value.
      const parentName = d.type as string;
      subtypes.set(parentName, [...(subtypes.get(parentName) ?? []), name]);
      const schema = this.decl(decl, (n) => (n === parentName ? { $ref: `#/$defs/${key(file, n)}.base` } : ref(n)));
      this.defs[key(file, name)] = { allOf: [schema, { properties: { [field]: { const: d.discriminatorValue } } }] };
    }
    // A discriminated type stands for its subtypes, told apart by the discriminator.
    for (const [parent, subs] of subtypes) {
      this.defs[`${key(file, parent)}.base`] = this.defs[key(file, parent)];
      this.defs[key(file, parent)] = { anyOf: subs.map((n) => ({ $ref: `#/$defs/${key(file, n)}` })) };
    }
  }

  /** One type declaration: a type expression, or an object with `type`, facets and properties. */
  private decl(decl: Decl, ref: (name: string) => Schema): Schema {
    if (typeof decl === 'string') return this.expr(decl, ref);
    const parts: Schema[] = [];
    const base = decl.type;
    if (typeof base === 'string') parts.push(this.expr(base, ref));
    else if (Array.isArray(base)) parts.push(...base.map((b) => this.expr(String(b), ref)));
    const own: Schema = {};
    for (const f of FACETS) if (decl[f] !== undefined) own[f] = decl[f];
    if (decl.items !== undefined) own.items = this.decl(decl.items as Decl, ref);
    if (decl.properties) {
      const props: Record<string, Schema> = {};
      const patterns: Record<string, Schema> = {};
      const required: string[] = [];
      for (const [k, v] of Object.entries(decl.properties as Record<string, Decl | null>)) {
        const s = v === null ? {} : this.decl(v, ref);
        if (/^\/.*\/$/.test(k)) patterns[k === '//' ? '.*' : k.slice(1, -1)] = s;
        else if (k.endsWith('?')) props[k.slice(0, -1)] = s;
        else if (typeof v === 'object' && v !== null && v.required === false) props[k] = s;
        else {
          props[k] = s;
          required.push(k);
        }
      }
      Object.assign(
        own,
        { type: 'object', properties: props },
        Object.keys(patterns).length ? { patternProperties: patterns } : {},
        required.length ? { required } : {},
      );
    }
    if (decl.additionalProperties === false) own.additionalProperties = false;
    if (Object.keys(own).length) parts.push(own);
    return parts.length === 1 ? parts[0] : { allOf: parts };
  }

  /** A type expression: `A | B`, `X[]`, `(A | B)[]`, `lib.Name`, a built-in. */
  private expr(e: string, ref: (name: string) => Schema): Schema {
    const s = e.trim();
    const alts = splitTop(s, '|');
    if (alts.length > 1) return { anyOf: alts.map((a) => this.expr(a, ref)) };
    if (s.endsWith('[]')) return { type: 'array', items: this.expr(s.slice(0, -2), ref) };
    if (s.startsWith('(') && s.endsWith(')')) return this.expr(s.slice(1, -1), ref);
    return ref(s);
  }
}

const key = (file: string, type: string) => `${file.replace(/\.raml$/, '')}.${type}`;

/** Split at `sep` outside parentheses. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === sep && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim());
}
