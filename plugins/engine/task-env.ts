import type { App, AgentInfo } from '../../core/index.js';

/** Scala's Double.toString for the resource variables: 1 → "1.0", 0.1 → "0.1" (marathon-semantics.md §8). */
const dbl = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));

/** Label keys as env suffixes: runs outside [a-zA-Z0-9_] → "_", upper-cased. */
export const sanitizeLabel = (k: string) => k.replace(/[^a-zA-Z0-9_]+/g, '_').toUpperCase();

/** Variables of the engine's own environment a task inherits (like a Mesos executor's). */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_PATH'];

/**
 * The environment of an app task, in Marathon's order: context variables, then ports and HOST,
 * then the app's own `env` (user env wins on collisions). Secret references are not injected
 * (open-source Marathon stores but does not inject them).
 */
export function taskEnv(
  app: App,
  agent: AgentInfo,
  taskId: string,
  version: string,
  hostPorts: number[],
  sandbox: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  env.MESOS_TASK_ID = taskId;
  env.MESOS_SANDBOX = sandbox;
  env.MARATHON_APP_ID = app.id;
  env.MARATHON_APP_VERSION = version;
  env.MARATHON_APP_RESOURCE_CPUS = dbl(app.cpus);
  env.MARATHON_APP_RESOURCE_MEM = dbl(app.mem);
  env.MARATHON_APP_RESOURCE_DISK = dbl(app.disk);
  env.MARATHON_APP_RESOURCE_GPUS = String(app.gpus);
  env.MARATHON_APP_ENFORCE_GROUP_ROLE = 'FALSE';
  if (app.container?.docker?.image) env.MARATHON_APP_DOCKER_IMAGE = app.container.docker.image;
  const labelKeys: string[] = [];
  for (const [k, v] of Object.entries(app.labels)) {
    if (k.length >= 493 || v.length >= 512) continue;
    const key = sanitizeLabel(k);
    labelKeys.push(key);
    env[`MARATHON_APP_LABEL_${key}`] = v;
  }
  if (labelKeys.length) env.MARATHON_APP_LABELS = labelKeys.join(' ');

  const defs = app.portDefinitions ?? [];
  const mappings = app.container?.portMappings ?? [];
  const declared =
    mappings.length > 0
      ? mappings.map((m) => ({ port: m.containerPort, name: m.name }))
      : defs.map((d) => ({ port: d.port, name: d.name }));
  hostPorts.forEach((p, i) => {
    env[`PORT${i}`] = String(p);
    const requested = declared[i]?.port ?? 0;
    env[`PORT_${requested !== 0 ? requested : p}`] = String(p);
    const name = declared[i]?.name;
    if (name) env[`PORT_${sanitizeLabel(name)}`] = String(p);
  });
  if (hostPorts.length > 0) {
    env.PORT = String(hostPorts[0]);
    env.PORTS = hostPorts.join(',');
  }
  env.HOST = agent.hostname;
  for (const [k, v] of Object.entries(app.env)) if (typeof v === 'string') env[k] = v;
  return env;
}
