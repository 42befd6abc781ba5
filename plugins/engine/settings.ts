import os from 'node:os';
import path from 'node:path';
import { BatonError, type AgentInfo } from '../../core/index.js';

/** An agent as configured: a simulated Mesos agent with its own loopback address. */
export interface AgentSpec {
  id: string;
  hostname: string;
  address: string;
  /** "*" (private) or "slave_public", as in DC/OS. */
  role: string;
  attributes: Record<string, string | number>;
  cpus: number;
  mem: number;
  disk: number;
  /** Host ports offered, inclusive. */
  ports: [number, number];
  /** Mesos fault domain (@region, @zone in constraints). */
  region?: string;
  zone?: string;
  /** The Docker daemon of this agent ("unix:///var/run/docker.sock", "tcp://host:2375"); default: local. */
  docker?: string;
}

export interface EngineSettings {
  host: string;
  port: number;
  stateDir: string;
  agents: AgentSpec[];
  /** Required when binding beyond loopback. */
  token?: string;
}

export const DEFAULT_PORT = 8480;
const PORT_BASE = 31000;
const PORTS_PER_AGENT = 250;

/** Per-user default state directory: $BATON_STATE_DIR, else $XDG_STATE_HOME/baton/engine, else ~/.local/state/baton/engine. */
export function defaultStateDir(env = process.env): string {
  if (env.BATON_STATE_DIR) return path.resolve(env.BATON_STATE_DIR);
  const base = env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'baton', 'engine');
}

/**
 * Default agents: 3 private (127.0.1.1-3, role "*") and 1 public (127.0.2.1, role "slave_public"),
 * with a `rack` attribute (rack-1, rack-2, rack-1 / rack-1) and fault domain region "local", zones
 * zone-1..3 (public: zone-1), so constraints have something to spread over,
 * each with 250 host ports of its own out of Mesos' default 31000-32000, so a task that binds
 * 0.0.0.0:$PORT0 cannot collide with one on another agent.
 */
export function defaultAgents(privateCount = 3, publicCount = 1): AgentSpec[] {
  const agents: AgentSpec[] = [];
  const add = (kind: 'private' | 'public', i: number) => {
    const n = agents.length;
    const address = kind === 'private' ? `127.0.1.${i + 1}` : `127.0.2.${i + 1}`;
    agents.push({
      id: `agent-${kind}-${i + 1}`,
      hostname: address,
      address,
      role: kind === 'private' ? '*' : 'slave_public',
      attributes: { type: kind, rack: `rack-${(i % 2) + 1}` },
      region: 'local',
      zone: `zone-${kind === 'private' ? i + 1 : 1}`,
      cpus: 4,
      mem: 4096,
      disk: 10240,
      ports: [PORT_BASE + n * PORTS_PER_AGENT, PORT_BASE + (n + 1) * PORTS_PER_AGENT - 1],
    });
  };
  for (let i = 0; i < privateCount; i++) add('private', i);
  for (let i = 0; i < publicCount; i++) add('public', i);
  return agents;
}

/** Recipe section `engine` (and the daemon's flags): partial agents are completed from defaults. */
export function resolveSettings(raw: Record<string, unknown> = {}, env = process.env): EngineSettings {
  const agentsRaw = Array.isArray(raw.agents) ? (raw.agents as Partial<AgentSpec>[]) : undefined;
  const defaults = defaultAgents();
  const agents = agentsRaw
    ? agentsRaw.map((a, i) => {
        const address = a.address ?? `127.0.${a.role === 'slave_public' ? 2 : 1}.${i + 1}`;
        return {
          id: a.id ?? `agent-${i + 1}`,
          hostname: a.hostname ?? address,
          address,
          role: a.role ?? '*',
          attributes: a.attributes ?? {},
          cpus: a.cpus ?? 4,
          mem: a.mem ?? 4096,
          disk: a.disk ?? 10240,
          ports: a.ports ?? [PORT_BASE + i * PORTS_PER_AGENT, PORT_BASE + (i + 1) * PORTS_PER_AGENT - 1],
          ...(a.region ? { region: a.region } : {}),
          ...(a.zone ? { zone: a.zone } : {}),
          ...(a.docker ? { docker: a.docker } : {}),
        } as AgentSpec;
      })
    : defaults;
  const portGiven = raw.port ?? env.BATON_ENGINE_PORT ?? DEFAULT_PORT;
  const port = Number(portGiven);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BatonError(
      'BATON_CONFIG_INVALID',
      `${raw.port !== undefined ? 'engine.port' : 'BATON_ENGINE_PORT'}: ${JSON.stringify(portGiven)} is not a port (an integer 0-65535)`,
    );
  return {
    host: (raw.host as string) ?? env.BATON_ENGINE_HOST ?? '127.0.0.1',
    port,
    stateDir: raw.stateDir ? path.resolve(String(raw.stateDir)) : defaultStateDir(env),
    agents,
    ...(env.BATON_ENGINE_TOKEN ? { token: env.BATON_ENGINE_TOKEN } : {}),
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/**
 * Settings an engine refuses to serve with, refused before anything starts (exit 2): an API on an
 * address beyond loopback without a token would let anyone on the network run processes here.
 */
export function checkSettings(s: Pick<EngineSettings, 'host' | 'token'>): void {
  if (!LOOPBACK.test(s.host) && !s.token)
    throw new BatonError(
      'BATON_CONFIG_INVALID',
      `refusing to serve the engine API on ${s.host} without a token (set BATON_ENGINE_TOKEN, or bind 127.0.0.1)`,
      { details: 'Anything beyond loopback needs a token: every request must then carry it.' },
    );
}

export function agentInfo(a: AgentSpec, stateDir: string): AgentInfo {
  return { id: a.id, hostname: a.hostname, address: a.address, workDir: path.join(stateDir, 'agents', a.id) };
}

const agentSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    hostname: { type: 'string' },
    address: { type: 'string', pattern: '^127\\.' },
    role: { type: 'string', enum: ['*', 'slave_public'] },
    attributes: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    cpus: { type: 'number', minimum: 0 },
    mem: { type: 'number', minimum: 0 },
    disk: { type: 'number', minimum: 0 },
    ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, minItems: 2, maxItems: 2 },
    region: { type: 'string', description: 'Fault-domain region (@region)' },
    zone: { type: 'string', description: 'Fault-domain zone (@zone)' },
    docker: {
      type: 'string',
      pattern: '^(unix|tcp)://',
      description: 'Docker daemon of this agent (default: the local socket)',
    },
  },
};

/** The recipe's `engine` section. */
export const ENGINE_SECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description: 'Embedded engine settings (used when the target is "embedded").',
  properties: {
    port: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: `API port on 127.0.0.1 (default ${DEFAULT_PORT}).`,
    },
    stateDir: {
      type: 'string',
      description: 'State directory (default: $BATON_STATE_DIR or ~/.local/state/baton/engine).',
    },
    agents: { type: 'array', items: agentSchema, description: 'Simulated agents; default 3 private + 1 public.' },
  },
};
