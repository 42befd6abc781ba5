import { isIP } from 'node:net';
import type { App } from '../../core/index.js';

/** One VIP a port of an app declares (marathon-lb-semantics.md §4). */
export interface VipDecl {
  /** The label value as written: "/my-service:5555" or "127.0.4.9:80". */
  raw: string;
  /** Named VIPs: the name ("/my-service"); IP literals: undefined. */
  name?: string;
  /** IP literals: the address. */
  ip?: string;
  port: number;
  portIndex: number;
  labelPath: (string | number)[];
}

/** The port definitions (host networking) or mappings (bridge/container) whose labels may hold VIPs. */
function ports(app: App): { labels?: Record<string, string> }[] {
  const mappings = app.container?.portMappings ?? [];
  return mappings.length > 0 ? mappings : (app.portDefinitions ?? []);
}

/** Parse one label value: split at the last ':'; an IP before it is a literal, anything else a name. */
export function parseVip(value: string): { name?: string; ip?: string; port: number } | undefined {
  const at = value.lastIndexOf(':');
  if (at <= 0) return undefined;
  const host = value.slice(0, at);
  const port = Number(value.slice(at + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return isIP(host) ? { ip: host, port } : { name: host, port };
}

/** Every VIP label (key starting with VIP or vip) on the app's ports; malformed ones come back in `bad`. */
export function vipsOf(app: App): { vips: VipDecl[]; bad: { labelPath: (string | number)[]; value: string }[] } {
  const mappings = (app.container?.portMappings ?? []).length > 0;
  const vips: VipDecl[] = [];
  const bad: { labelPath: (string | number)[]; value: string }[] = [];
  ports(app).forEach((p, portIndex) => {
    for (const [key, value] of Object.entries(p.labels ?? {})) {
      if (!/^vip/i.test(key)) continue;
      const labelPath = mappings
        ? ['container', 'portMappings', portIndex, 'labels', key]
        : ['portDefinitions', portIndex, 'labels', key];
      const v = parseVip(value);
      if (v) vips.push({ raw: value, ...v, portIndex, labelPath });
      else bad.push({ labelPath, value });
    }
  });
  return { vips, bad };
}

/**
 * A named VIP's DNS label, mangled as dcos-l4lb does: lower-case, characters outside [a-z0-9-_.]
 * dropped (so slashes vanish), `_` → `-`, leading non-alphanumerics stripped, ≤ 63 per label.
 */
export function vipDnsName(name: string): string {
  return (
    name
      .split('.')
      .map((l) =>
        l
          .toLowerCase()
          .replace(/[^a-z0-9\-_.]/g, '')
          .replace(/_/g, '-')
          .replace(/^[^a-z0-9]+/, '')
          .slice(0, 63),
      )
      .filter(Boolean)
      .join('.') + '.marathon.l4lb.thisdcos.directory'
  );
}
