/** marathon-lb's booleans: true/t/yes/y, any case (marathon-lb-semantics.md §1.2). */
export const truthy = (v: string | undefined) =>
  v !== undefined && ['true', 't', 'yes', 'y'].includes(v.trim().toLowerCase());

/** A per-port label, `HAPROXY_{n}_<NAME>`. */
export const portLabel = (labels: Record<string, string>, n: number, name: string): string | undefined =>
  labels[`HAPROXY_${n}_${name}`];

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Whether port `n` of an app belongs to an LB serving `groups`: the port's own HAPROXY_{n}_GROUP
 * replaces the app's HAPROXY_GROUP; `*` matches every app, even one without a group; an app with
 * no group is never picked up by a named group. With strict mode a port needs HAPROXY_{n}_ENABLED.
 */
export function portSelected(labels: Record<string, string>, n: number, groups: string[], strict: boolean): boolean {
  const enabled = portLabel(labels, n, 'ENABLED');
  if (strict ? !truthy(enabled) : enabled !== undefined && !truthy(enabled)) return false;
  if (groups.includes('*')) return true;
  const own = list(portLabel(labels, n, 'GROUP') ?? labels.HAPROXY_GROUP);
  return own.some((g) => groups.includes(g));
}

/** Labels this implementation applies (per port, without the `HAPROXY_{n}_` prefix). */
export const SUPPORTED_PORT_LABELS = new Set([
  'ENABLED',
  'GROUP',
  'VHOST',
  'PATH',
  'BACKEND_WEIGHT',
  'PORT',
  'BIND_ADDR',
  'BIND_OPTIONS',
  'MODE',
  'BALANCE',
  'STICKY',
  'REDIRECT_TO_HTTPS',
  'USE_HSTS',
  'HTTP_BACKEND_REDIR',
  'BACKEND_NETWORK_ALLOWED_ACL',
]);

/** App-level labels marathon-lb (and zdd) read. */
export const APP_LABELS = new Set([
  'HAPROXY_GROUP',
  'HAPROXY_DEPLOYMENT_GROUP',
  'HAPROXY_DEPLOYMENT_ALT_PORT',
  'HAPROXY_DEPLOYMENT_COLOUR',
  'HAPROXY_DEPLOYMENT_STARTED_AT',
  'HAPROXY_DEPLOYMENT_TARGET_INSTANCES',
  'HAPROXY_DEPLOYMENT_NEW_INSTANCES',
  'HAPROXY_APP_ID',
]);

/** HAProxy 2.6 `balance` algorithms (the first word of the label). */
export const BALANCE = new Set([
  'roundrobin',
  'static-rr',
  'leastconn',
  'first',
  'source',
  'uri',
  'url_param',
  'hdr',
  'random',
  'rdp-cookie',
  'hash',
]);
