import type { FastifyRequest } from 'fastify';

type RawQuery = Record<string, string | string[] | undefined>;

/** A query parameter Marathon would refuse: answered 400 with the parameter and the rule. */
export class QueryError extends Error {
  readonly statusCode = 400;
}

/** A body that is missing where Marathon parses one: its 400 "Invalid JSON" (the server's error handler). */
class EmptyBodyError extends Error {
  readonly statusCode = 400;
  readonly details = 'No content to map due to end-of-input';
}

/**
 * A request's query string read the way Marathon's REST layer (Jersey) reads it, for every route:
 * the first of repeated values, an empty value meaning the default, booleans in any case
 * (`true`, `True`, `TRUE` — marathon-python sends `str(True)`). Where Jersey would read anything
 * but "true" as false, this refuses it instead: `?force=yes` silently meaning "not forced" is how
 * deployments get overridden, or not, by accident (docs/compatibility.md).
 */
export class Query {
  constructor(private readonly raw: RawQuery) {}

  /** The first value of a parameter; undefined when absent. */
  string(name: string): string | undefined {
    const v = this.raw[name];
    return Array.isArray(v) ? v[0] : v;
  }

  /** Every value of a repeated parameter (`?embed=a&embed=b`), also written `name[]=`. */
  list(name: string): string[] {
    return [this.raw[name] ?? [], this.raw[`${name}[]`] ?? []].flat().map(String);
  }

  /** A boolean flag; absent or empty means `dflt`. */
  bool(name: string, dflt: boolean): boolean {
    const v = this.string(name);
    if (v === undefined || v === '') return dflt;
    if (/^true$/i.test(v)) return true;
    if (/^false$/i.test(v)) return false;
    throw new QueryError(`Query parameter '${name}' must be true or false, not '${v}'`);
  }

  has(name: string): boolean {
    return this.string(name) !== undefined;
  }
}

export const queryOf = (req: FastifyRequest) => new Query(req.query as RawQuery);

/**
 * The JSON body of a request that must have one (a create, an update): Marathon parses the body
 * before anything else, so an empty one is a 400 "Invalid JSON", never an empty change.
 */
export function jsonBody<T = Record<string, unknown>>(req: FastifyRequest): T {
  if (req.body === undefined || req.body === null) throw new EmptyBodyError('Invalid JSON');
  return req.body as T;
}
