import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { App, TaskExit, TaskHandle, TaskLaunch, TaskRuntime, TaskStatus } from '../../core/index.js';
import { watchContainers } from './events.js';
import { PARAMETERS } from './parameters.js';

/** Where the task's sandbox appears inside its container (as Mesos mounts it). */
export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';
/** Host variables a process task inherits; a container keeps its image's own instead. */
const HOST_ONLY_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_PATH'];

export const LABEL = {
  engine: 'baton.engine',
  task: 'baton.task',
  instance: 'baton.instance',
  app: 'baton.app',
  agent: 'baton.agent',
} as const;

interface DockerTaskData {
  containerId: string;
  name: string;
  agentId: string;
  sandbox: string;
  memMiB: number;
}

export interface DockerRuntimeOptions {
  engineId: string;
  /** The Docker daemon of an agent (default: the local socket, or DOCKER_HOST). */
  dockerFor(agentId: string): Docker;
  /** Every distinct daemon the agents use (adoption and stray removal look at all of them). */
  allDockers(): Docker[];
  /** How long an image pull may take before the launch fails (no registry here: fail fast). */
  pullTimeoutMs?: number;
}

/** Docker's container name rules: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
export const containerName = (engineId: string, taskId: string) =>
  `baton-${engineId}-${taskId}`.replace(/[^a-zA-Z0-9_.-]/g, '_');

const data = (h: TaskHandle) => h.data as unknown as DockerTaskData;

/** The image an app runs (DOCKER, or MESOS with docker.image: UCR, run here through Docker). */
export const imageOf = (app: App) => app.container?.docker?.image;

/**
 * Build dockerode's create options from a Marathon app (marathon-semantics.md §1.4-1.6, marathon-semantics.md §8): networking
 * (host, or bridge with ports published on the agent's loopback address only), cmd/args over the
 * image entrypoint, env, labels, host volumes, the sandbox mount, limits, stop grace, parameters.
 */
export function createOptions(t: TaskLaunch, engineId: string): Docker.ContainerCreateOptions {
  const app = t.app;
  const docker = app.container!.docker!;
  const mode = app.networks[0]?.mode ?? 'host';
  const bridge = mode === 'container/bridge';
  const env = Object.entries({ ...t.env, MESOS_SANDBOX: CONTAINER_SANDBOX })
    .filter(([k]) => !HOST_ONLY_ENV.includes(k))
    .map(([k, v]) => `${k}=${v}`);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  if (bridge) {
    let next = 0;
    for (const m of app.container?.portMappings ?? []) {
      if (m.hostPort === undefined) continue;
      const hostPort = t.ports[next++];
      const containerPort = m.containerPort || hostPort; // marathon-semantics.md §9: containerPort 0 takes the host port
      for (const proto of m.protocol.split(',')) {
        exposed[`${containerPort}/${proto}`] = {};
        bindings[`${containerPort}/${proto}`] = [{ HostIp: t.agent.address, HostPort: String(hostPort) }];
      }
    }
  }
  const binds = [`${t.sandbox}:${CONTAINER_SANDBOX}:rw`];
  // Persistent volumes where Mesos mounts them: in the sandbox, at their relative containerPath.
  const persistent = new Map((t.volumes ?? []).map((v) => [v.containerPath, v.hostPath]));
  for (const [at, hostPath] of persistent) binds.push(`${hostPath}:${CONTAINER_SANDBOX}/${at}:rw`);
  for (const v of app.container?.volumes ?? []) {
    if (v.hostPath === undefined) continue;
    // A relative hostPath names a persistent volume (marathon-semantics.md §5.1) or a sandbox directory.
    const hostPath = path.isAbsolute(v.hostPath)
      ? v.hostPath
      : (persistent.get(v.hostPath) ?? path.join(t.sandbox, v.hostPath));
    const at = path.isAbsolute(v.containerPath) ? v.containerPath : `${CONTAINER_SANDBOX}/${v.containerPath}`;
    binds.push(`${hostPath}:${at}:${(v.mode ?? 'RW').toLowerCase()}`);
  }
  const o: Docker.ContainerCreateOptions = {
    name: containerName(engineId, t.taskId),
    Image: docker.image,
    Env: env,
    Labels: {
      ...app.labels,
      [LABEL.engine]: engineId,
      [LABEL.task]: t.taskId,
      [LABEL.instance]: t.instanceId,
      [LABEL.app]: app.id,
      [LABEL.agent]: t.agent.id,
    },
    ExposedPorts: exposed,
    StopTimeout: t.killGraceSeconds,
    HostConfig: {
      // container/bridge → Docker's bridge; container → the named Docker network; host → host.
      NetworkMode: bridge ? 'bridge' : mode === 'container' ? app.networks[0].name! : 'host',
      PortBindings: bindings,
      Binds: binds,
      Memory: Math.round(app.mem * 1024 * 1024),
      MemorySwap: Math.round(app.mem * 1024 * 1024),
      CpuShares: Math.max(2, Math.round(app.cpus * 1024)),
      Privileged: docker.privileged,
      // The engine's DNS listens on loopback: only a task in the host's network namespace reaches it.
      ...(t.dns?.length && !bridge && mode !== 'container' ? { Dns: t.dns } : {}),
    },
  };
  if (app.cmd !== undefined) {
    o.Entrypoint = ['/bin/sh', '-c'];
    o.Cmd = [app.cmd];
  } else if (app.args !== undefined) {
    o.Cmd = app.args;
  }
  for (const p of docker.parameters) PARAMETERS[p.key]?.(o, p.value);
  return o;
}

/**
 * Docker containers as tasks: created with labels naming engine, task, instance and app, so a
 * restarted engine adopts them and removes strays; their output is copied into the sandbox's
 * stdout/stderr files (as Mesos' Docker executor does), so `baton logs` works alike.
 */
export function createDockerRuntime(
  o: DockerRuntimeOptions,
): TaskRuntime & { reconcile(known: Set<string>): Promise<string[]> } {
  const pumps = new Map<string, { out: WriteStream; err: WriteStream; stop: () => void; ended: Promise<void> }>();

  const pump = async (d: Docker, h: DockerTaskData, sinceSeconds: number) => {
    if (pumps.has(h.containerId)) return;
    const out = createWriteStream(path.join(h.sandbox, 'stdout'), { flags: 'a' });
    const err = createWriteStream(path.join(h.sandbox, 'stderr'), { flags: 'a' });
    let ended!: () => void;
    const entry = { out, err, stop: () => {}, ended: new Promise<void>((r) => (ended = r)) };
    pumps.set(h.containerId, entry);
    try {
      const stream = (await d.getContainer(h.containerId).logs({
        follow: true,
        stdout: true,
        stderr: true,
        since: sinceSeconds,
      })) as unknown as NodeJS.ReadableStream & { destroy(): void };
      d.modem.demuxStream(stream, out, err);
      entry.stop = () => stream.destroy();
      stream.on('end', () => {
        // Ended once both files have the last bytes: an exit's message reads its cause from stderr.
        let open = 2;
        const closed = () => --open === 0 && ended();
        out.end(closed);
        err.end(closed);
        pumps.delete(h.containerId);
      });
    } catch {
      out.end();
      err.end();
      pumps.delete(h.containerId);
      ended();
    }
  };

  const ensureImage = async (d: Docker, image: string, forcePull: boolean) => {
    if (
      !forcePull &&
      (await d
        .getImage(image)
        .inspect()
        .then(
          () => true,
          () => false,
        ))
    )
      return;
    try {
      await pullImage(d, image, o.pullTimeoutMs ?? 60_000);
    } catch (err) {
      throw new Error(
        `image ${image} is not on this machine and cannot be pulled: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  };

  return {
    name: 'docker',
    accepts: (app) => imageOf(app) !== undefined,
    isolation: () => 'docker: memory limit = mem, cpu shares = cpus (dockerd cgroups); OOM kills reported',

    async launch(t: TaskLaunch): Promise<TaskHandle> {
      const d = o.dockerFor(t.agent.id);
      await ensureImage(d, imageOf(t.app)!, t.app.container?.docker?.forcePullImage === true);
      const container = await d.createContainer(createOptions(t, o.engineId));
      const h: DockerTaskData = {
        containerId: container.id,
        name: containerName(o.engineId, t.taskId),
        agentId: t.agent.id,
        sandbox: t.sandbox,
        memMiB: t.app.mem,
      };
      await container.start();
      void pump(d, h, 0);
      return { taskId: t.taskId, runtime: 'docker', data: h as unknown as Record<string, unknown> };
    },

    async inspect(handle: TaskHandle): Promise<TaskStatus> {
      const h = data(handle);
      const d = o.dockerFor(h.agentId);
      let info: Docker.ContainerInspectInfo;
      try {
        info = await d.getContainer(h.containerId).inspect();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) {
          return {
            running: false,
            exit: { state: 'TASK_GONE', message: `container ${h.name} disappeared (removed outside Baton?)` },
          };
        }
        return { running: true }; // dockerd unreachable: nothing is known, nothing is changed
      }
      if (info.State.Running || info.State.Restarting) {
        void pump(d, h, Math.floor(Date.now() / 1000)); // after an engine restart
        return { running: true };
      }
      // The container's last output, copied into the sandbox before its exit is reported (bounded).
      const copying = pumps.get(h.containerId);
      if (copying) await Promise.race([copying.ended, sleep(1000)]);
      return { running: false, exit: exitOf(info, h) };
    },

    async kill(handle: TaskHandle, graceSeconds: number): Promise<void> {
      const h = data(handle);
      try {
        await o.dockerFor(h.agentId).getContainer(h.containerId).stop({ t: graceSeconds });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code !== 304 && code !== 404) throw err;
      }
    },

    async exec(handle: TaskHandle, command: string, timeoutMs: number) {
      const h = data(handle);
      const c = o.dockerFor(h.agentId).getContainer(h.containerId);
      try {
        const ex = await c.exec({ Cmd: ['/bin/sh', '-c', command], AttachStdout: true, AttachStderr: true });
        const stream = await ex.start({});
        let output = '';
        stream.on('data', (b: Buffer) => {
          // eslint-disable-next-line no-control-regex -- the exec stream's framing leaves control bytes in the text
          if (output.length < 2048) output += b.toString().replace(/[\x00-\x08]/g, '');
        });
        const done = new Promise<void>((r) => stream.on('end', () => r()));
        const timedOut = await Promise.race([
          done.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
        ]);
        if (timedOut) return { exitCode: null, output };
        return { exitCode: (await ex.inspect()).ExitCode ?? null, output };
      } catch (err) {
        return { exitCode: null, output: (err as Error).message };
      }
    },

    async recover(taskId: string, sandbox: string): Promise<TaskHandle | undefined> {
      for (const d of o.allDockers()) {
        const [c] = await d
          .listContainers({
            all: true,
            filters: { label: [`${LABEL.engine}=${o.engineId}`, `${LABEL.task}=${taskId}`] },
          })
          .catch(() => []);
        if (!c) continue;
        const h: DockerTaskData = {
          containerId: c.Id,
          name: c.Names[0]?.replace(/^\//, '') ?? '',
          agentId: c.Labels[LABEL.agent] ?? '',
          sandbox,
          memMiB: 0,
        };
        return { taskId, runtime: 'docker', data: h as unknown as Record<string, unknown> };
      }
      return undefined;
    },

    logFiles: (_h, sandbox) => ({ stdout: path.join(sandbox, 'stdout'), stderr: path.join(sandbox, 'stderr') }),

    watch: (listener) => watchContainers(() => o.allDockers(), `${LABEL.engine}=${o.engineId}`, LABEL.task, listener),

    async cleanup(handle: TaskHandle): Promise<void> {
      const h = data(handle);
      // Let the log copy finish (the stream ends with the container) before the container goes.
      const p = pumps.get(h.containerId);
      if (p) {
        const done = await Promise.race([
          p.ended.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 3000).unref()),
        ]);
        if (!done) p.stop();
        pumps.delete(h.containerId);
      }
      try {
        await o.dockerFor(h.agentId).getContainer(h.containerId).remove({ force: true });
      } catch {
        /* already gone */
      }
    },

    /** Remove this engine's containers that no task of the engine knows (strays). */
    async reconcile(known: Set<string>): Promise<string[]> {
      const removed: string[] = [];
      for (const d of o.allDockers()) {
        for (const c of await d
          .listContainers({ all: true, filters: { label: [`${LABEL.engine}=${o.engineId}`] } })
          .catch(() => [])) {
          if (known.has(c.Labels[LABEL.task])) continue;
          await d
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => undefined);
          removed.push(c.Names[0]?.replace(/^\//, '') ?? c.Id);
        }
      }
      return removed;
    },
  };
}

/** Pull an image, failing after `timeoutMs` (a registry that does not answer must not hang a deploy). */
export function pullImage(d: Docker, image: string, timeoutMs: number): Promise<void> {
  return Promise.race([
    new Promise<void>((resolve, reject) => {
      d.pull(image, (err: Error | null, stream: NodeJS.ReadableStream) => {
        if (err) return reject(err);
        d.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve()));
      });
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs).unref(),
    ),
  ]);
}

function exitOf(info: Docker.ContainerInspectInfo, h: DockerTaskData): TaskExit {
  const code = info.State.ExitCode;
  if (info.State.OOMKilled)
    return {
      state: 'TASK_FAILED',
      exitCode: code,
      message: `out of memory: killed at its ${h.memMiB} MiB limit`,
      reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
    };
  if (code === 0) return { state: 'TASK_FINISHED', exitCode: 0, message: 'exited with code 0' };
  return {
    state: 'TASK_FAILED',
    exitCode: code,
    message: info.State.Error ? `failed: ${info.State.Error}` : `exited with code ${code}`,
  };
}
