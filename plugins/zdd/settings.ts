import { durationSchema, durationSeconds, type App } from '../../core/index.js';

/** zdd's blue-green (marathon-lb-semantics.md §2): a second colour grows while the old one drains. */
export interface BlueGreen {
  type: 'blue-green';
  /** Size of the new colour at first (zdd's --initial-instances). */
  initialInstances: number;
  /** Grow the new colour by this many per step; 0 = geometric (1→2→3→5→8), as zdd. */
  linearIncrease: number;
  /** Pause between checks of the balancer (zdd's --step-delay, 5 s; here 1 s). */
  stepDelaySeconds: number;
  /** How long to wait for old servers to finish their sessions before killing them anyway (zdd's --max-wait). */
  drainTimeoutSeconds: number;
  altPort?: number;
}

/** One canary step: the new version's share of traffic, then a pause (absent: wait for `baton promote`). */
export interface CanaryStep {
  weight: number;
  pauseSeconds?: number;
}

/** Canary by traffic weight: HAProxy server weights per step, judged on the balancer's own counters. */
export interface Canary {
  type: 'canary';
  steps: CanaryStep[];
  analysis: {
    /** How often the counters are read. */
    intervalSeconds: number;
    /** Highest share of the canary's responses that may be 5xx or failed connections. */
    maxErrorRate: number;
    /** Highest average response time of the canary's servers (HAProxy's rtime), if set. */
    maxResponseTimeMs?: number;
    /** Requests the canary must have served before its error rate is judged. */
    minRequests: number;
  };
  drainTimeoutSeconds: number;
  altPort?: number;
}

export type Strategy = BlueGreen | Canary;

const step = {
  type: 'object',
  additionalProperties: false,
  required: ['weight'],
  properties: {
    weight: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 100,
      description: "The new version's share of new connections, in %.",
    },
    pauseSeconds: durationSchema('Pause (with analysis) before the next step; absent: wait for `baton promote`.', {
      allowZero: true,
    }),
  },
};

/** The recipe's `strategies` section: per app id, how `deploy` replaces it (default: Marathon's rolling upgrade). */
export const STRATEGIES_SCHEMA = {
  type: 'object',
  description: 'Per app id: deploy it blue-green or as a canary through marathon-lb instead of rolling.',
  additionalProperties: {
    oneOf: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          type: { const: 'blue-green' },
          initialInstances: { type: 'integer', minimum: 1 },
          linearIncrease: { type: 'integer', minimum: 0 },
          stepDelaySeconds: durationSchema('Pause between checks of the balancer (default 1).'),
          drainTimeoutSeconds: durationSchema('How long old servers may drain before they are killed (default 300).', {
            allowZero: true,
          }),
          altPort: {
            type: 'integer',
            minimum: 1,
            maximum: 65535,
            description: 'Service port of the other colour (else the HAPROXY_DEPLOYMENT_ALT_PORT label).',
          },
        },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          type: { const: 'canary' },
          steps: { type: 'array', minItems: 1, items: step },
          analysis: {
            type: 'object',
            additionalProperties: false,
            properties: {
              intervalSeconds: durationSchema('How often the counters are read (default 2).'),
              maxErrorRate: { type: 'number', minimum: 0, maximum: 1 },
              maxResponseTimeMs: { type: 'number', exclusiveMinimum: 0 },
              minRequests: { type: 'integer', minimum: 0 },
            },
          },
          drainTimeoutSeconds: durationSchema('How long old servers may drain before they are killed (default 300).', {
            allowZero: true,
          }),
          altPort: { type: 'integer', minimum: 1, maximum: 65535 },
        },
      },
    ],
  },
};

/** A recipe's durations (validated by the schema: seconds or `30s`-style text) as seconds. */
function seconds<T extends Record<string, unknown>>(o: T, keys: string[]): T {
  const out: Record<string, unknown> = { ...o };
  for (const k of keys) if (out[k] !== undefined) out[k] = durationSeconds(out[k]);
  return out as T;
}

/** The strategy of an app with its defaults filled, or undefined (rolling). */
export function strategyOf(raw: Record<string, unknown>, appId: string): Strategy | undefined {
  const given = (raw.strategies as Record<string, Record<string, unknown>> | undefined)?.[appId];
  if (!given) return undefined;
  const s = seconds(given, ['stepDelaySeconds', 'drainTimeoutSeconds']);
  if (Array.isArray(s.steps)) s.steps = s.steps.map((x: Record<string, unknown>) => seconds(x, ['pauseSeconds']));
  if (s.analysis && typeof s.analysis === 'object')
    s.analysis = seconds(s.analysis as Record<string, unknown>, ['intervalSeconds']);
  if (s.type === 'blue-green') {
    return {
      type: 'blue-green',
      initialInstances: 1,
      linearIncrease: 0,
      stepDelaySeconds: 1,
      drainTimeoutSeconds: 300,
      ...s,
    } as BlueGreen;
  }
  const a = (s.analysis ?? {}) as Partial<Canary['analysis']>;
  return {
    type: 'canary',
    drainTimeoutSeconds: 300,
    ...s,
    steps: (s.steps as CanaryStep[] | undefined) ?? [
      { weight: 5, pauseSeconds: 30 },
      { weight: 25, pauseSeconds: 30 },
      { weight: 50, pauseSeconds: 30 },
    ],
    analysis: { intervalSeconds: 2, maxErrorRate: 0.01, minRequests: 10, ...a },
  } as Canary;
}

/** The deployment group (HAPROXY_DEPLOYMENT_GROUP, else the id without slashes) and the first service port. */
export function groupOf(app: App): string {
  return app.labels?.HAPROXY_DEPLOYMENT_GROUP ?? app.id.replace(/^\//, '').replace(/\//g, '-');
}

export function altPortOf(app: App, s: Strategy): number | undefined {
  const label = app.labels?.HAPROXY_DEPLOYMENT_ALT_PORT;
  return s.altPort ?? (label !== undefined ? Number(label) : undefined);
}

/** The first service port, where HAProxy serves the group: HAPROXY_0_PORT, else portMappings/portDefinitions. */
export function servicePortOf(app: App): number {
  const label = app.labels?.HAPROXY_0_PORT;
  if (label !== undefined) return Number(label);
  const mappings = app.container?.portMappings ?? [];
  return mappings.length > 0 ? (mappings[0].servicePort ?? 0) : (app.portDefinitions?.[0]?.port ?? 0);
}
