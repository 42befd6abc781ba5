import type { App, Contract } from '../../core/index.js';

/** The parts of the marathon plugin's client this plugin uses (a cluster's or the engine's API). */
export type Api = Pick<Contract<'marathon'>['client'], 'request' | 'deploymentsGone'>;

/** An app as `GET /v2/apps?embed=apps.tasks` shows it (the parts strategies read). */
export interface LiveApp {
  id: string;
  instances: number;
  version: string;
  labels?: Record<string, string>;
  versionInfo?: { lastScalingAt?: string };
  healthChecks?: unknown[];
  deployments?: { id: string }[];
  tasks?: {
    id: string;
    host: string;
    ports: number[];
    state?: string;
    version?: string;
    healthCheckResults?: { alive: boolean }[];
  }[];
}

/** Labels that mark a colour of a deployment group (zdd's), set by Baton, not by the recipe. */
export const COLOUR_LABELS = [
  'HAPROXY_DEPLOYMENT_COLOUR',
  'HAPROXY_DEPLOYMENT_STARTED_AT',
  'HAPROXY_DEPLOYMENT_TARGET_INSTANCES',
  'HAPROXY_DEPLOYMENT_NEW_INSTANCES',
  'HAPROXY_APP_ID',
  'HAPROXY_0_PORT',
];

const started = (a: { labels?: Record<string, string> }) =>
  Date.parse(a.labels?.HAPROXY_DEPLOYMENT_STARTED_AT ?? '') || 0;
/**
 * A colour of zdd's hybrid deploy (NEW_INSTANCES ≠ 0: a canary by instance count on a cluster):
 * marathon-lb then treats the colour scaled last as the new one and disables the other's servers.
 */
export const isHybrid = (a: { labels?: Record<string, string> }) =>
  Number(a.labels?.HAPROXY_DEPLOYMENT_NEW_INSTANCES ?? 0) !== 0;

/** Colours newest first, by STARTED_AT (as zdd sorts them). */
export const newestFirst = (a: { labels?: Record<string, string> }, b: { labels?: Record<string, string> }) =>
  started(b) - started(a);

/** The colours of a deployment group on the target, newest first (by STARTED_AT, as zdd sorts). */
export async function coloursOf(api: Api, group: string, signal?: AbortSignal): Promise<LiveApp[]> {
  const { apps } = await api.request<{ apps: LiveApp[] }>(
    'GET',
    '/v2/apps?embed=apps.tasks&embed=apps.deployments',
    undefined,
    signal,
  );
  return apps.filter((a) => a.labels?.HAPROXY_DEPLOYMENT_GROUP === group).sort(newestFirst);
}

export async function liveApp(api: Api, id: string, signal?: AbortSignal): Promise<LiveApp | undefined> {
  try {
    return (
      await api.request<{ app: LiveApp }>(
        'GET',
        `/v2/apps${id}?embed=app.tasks&embed=app.deployments`,
        undefined,
        signal,
      )
    ).app;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}

/**
 * Running tasks that zdd counts as healthy: any check alive, as marathon-lb puts a task in rotation
 * (marathon-lb-semantics.md §2, §1.4) — not Marathon's `tasksHealthy`, which needs every check.
 */
export const healthyTasks = (a: LiveApp) =>
  (a.tasks ?? []).filter(
    (t) => t.state === 'TASK_RUNNING' && (!a.healthChecks?.length || (t.healthCheckResults ?? []).some((r) => r.alive)),
  );

/** The colour after `prev` (zdd: blue → green, anything else → blue). */
export const nextColour = (prev: LiveApp | undefined) =>
  prev?.labels?.HAPROXY_DEPLOYMENT_COLOUR === 'blue' ? 'green' : 'blue';

/** Replace the first service port (portMappings in container networking, else portDefinitions). */
function withServicePort(app: App, port: number): App {
  const mappings = app.container?.portMappings ?? [];
  if (mappings.length > 0)
    return {
      ...app,
      container: {
        ...app.container!,
        portMappings: mappings.map((m, i) => (i === 0 ? { ...m, servicePort: port } : m)),
      },
    };
  return { ...app, portDefinitions: (app.portDefinitions ?? []).map((d, i) => (i === 0 ? { ...d, port } : d)) };
}

/**
 * The recipe's app as one colour of its deployment group (zdd step 4): id `<id>-<colour>`, the
 * Marathon service port swapped between the original and the alt port, HAPROXY_0_PORT keeping
 * HAProxy on the original, and the deployment labels marathon-lb merges the colours by.
 */
export function colourApp(
  app: App,
  o: {
    group: string;
    colour: string;
    servicePort: number;
    marathonPort: number;
    target: number;
    instances: number;
    newInstances: number;
    startedAt: string;
  },
): App {
  const next = withServicePort({ ...app, id: `${app.id}-${o.colour}`, instances: o.instances }, o.marathonPort);
  return {
    ...next,
    labels: {
      ...app.labels,
      HAPROXY_APP_ID: app.id,
      HAPROXY_DEPLOYMENT_GROUP: o.group,
      HAPROXY_0_PORT: String(o.servicePort),
      HAPROXY_DEPLOYMENT_COLOUR: o.colour,
      HAPROXY_DEPLOYMENT_TARGET_INSTANCES: String(o.target),
      HAPROXY_DEPLOYMENT_NEW_INSTANCES: String(o.newInstances),
      HAPROXY_DEPLOYMENT_STARTED_AT: o.startedAt,
    },
  };
}

/** The service port the live colour holds in Marathon (first portDefinition or portMapping). */
export function marathonPortOf(live: {
  portDefinitions?: { port: number }[];
  container?: { portMappings?: { servicePort?: number }[] };
}): number {
  return live.container?.portMappings?.[0]?.servicePort ?? live.portDefinitions?.[0]?.port ?? 0;
}
