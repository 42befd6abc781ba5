import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Pod, TaskExit, TaskHandle, TaskLaunch, TaskRuntime, TaskStatus } from '../../core/index.js';
import { containerLaunches, infraLaunch } from './containers.js';

/** One container of a launched pod instance: the runtime that runs it and its handle. */
interface Part {
  name: string;
  taskId: string;
  sandbox: string;
  handle?: TaskHandle;
  runtime: string;
  /** The shell of its exec health check, so that COMMAND checks run in this container. */
  check?: string;
}
interface PodTaskData {
  sandbox: string;
  parts: Part[];
}

const data = (h: TaskHandle) => h.data as unknown as PodTaskData;
/** The infrastructure container's part (not a valid container name, so never a pod's own). */
const INFRA = '_infra';
/** Pods whose containers share a Docker bridge namespace (an infrastructure container holds it). */
const bridged = (pod: Pod) => pod.networks.some((n) => n.mode === 'container/bridge');
const manifest = (sandbox: string) => path.join(sandbox, '.baton', 'pod.json');
const podTaskOf = (containerTaskId: string) =>
  containerTaskId.replace(/^(.*)\.[a-z0-9-]+\.(\d+)$/, (_m, instance: string, n: string) => `${instance}._app.${n}`);

/**
 * Pod instances (marathon-semantics.md §6.2): every container of the pod launched together on the instance's
 * agent through the runtime that runs such a container (mesos for commands, docker for images), as
 * one task to the engine. Atomic: if one container cannot start, the others are stopped and the
 * launch fails. The instance lives as a whole: when any container ends, the instance's task ends
 * with that container's exit and the rest are stopped (the engine then relaunches the instance).
 */
export function createPodRuntime(runtimes: () => readonly TaskRuntime[]): TaskRuntime {
  const byName = (name: string) => runtimes().find((r) => r.name === name);
  const stopAll = async (parts: Part[], grace: number) => {
    await Promise.all(
      parts.map(async (p) => {
        const rt = p.handle && byName(p.runtime);
        if (!rt || !p.handle) return;
        await rt.kill(p.handle, grace).catch(() => {});
      }),
    );
  };
  const self: TaskRuntime = {
    name: 'pods',
    accepts: () => false,
    acceptsPod: (pod: Pod) =>
      pod.networks.every((n) => n.mode === 'host') || (bridged(pod) && pod.containers.every((c) => c.image)),
    isolation: () =>
      "pod containers share one network namespace (the agent's, or a Docker infrastructure container's) and the instance's volumes",

    async launch(t: TaskLaunch): Promise<TaskHandle> {
      const incarnation = Number(/\.(\d+)$/.exec(t.taskId)?.[1] ?? 1);
      // Bridge networking: an infrastructure container first; the others join its namespace.
      let infra: Part | undefined;
      if (bridged(t.pod!)) {
        const launch = infraLaunch(t);
        const rt = runtimes().find((r) => r !== self && r.accepts(launch.app));
        if (!rt) throw new Error("no runtime runs the pod's infrastructure container (is the docker plugin on?)");
        mkdirSync(launch.sandbox, { recursive: true });
        infra = {
          name: INFRA,
          taskId: launch.taskId,
          sandbox: launch.sandbox,
          runtime: rt.name,
          handle: await rt.launch(launch),
        };
      }
      // The Docker runtime's handle names its container (what "container:<name>" networking joins).
      const netns = infra ? String((infra.handle!.data as { name?: string }).name) : undefined;
      const launches = containerLaunches(t, incarnation, netns);
      for (const v of t.pod!.volumes)
        if (!v.persistent && v.host === undefined && v.secret === undefined)
          mkdirSync(path.join(t.sandbox, 'volumes', v.name), { recursive: true });
      const parts: Part[] = launches.map(({ name, launch }) => {
        const rt = runtimes().find((r) => r !== self && r.accepts(launch.app));
        if (!rt) {
          if (infra) void stopAll([infra], 0);
          throw new Error(
            `no runtime runs pod container '${name}' (${launch.app.container?.docker ? 'an image: is the docker plugin on?' : 'a command: is the mesos plugin on?'})`,
          );
        }
        const hc = t.pod!.containers.find((c) => c.name === name)?.healthCheck as
          { exec?: { command?: { shell?: string } } } | undefined;
        return {
          name,
          taskId: launch.taskId,
          sandbox: launch.sandbox,
          runtime: rt.name,
          ...(hc?.exec?.command?.shell ? { check: hc.exec.command.shell } : {}),
        };
      });
      // Written before any container starts: an engine that dies mid-launch finds them again (recover).
      mkdirSync(path.dirname(manifest(t.sandbox)), { recursive: true });
      writeFileSync(manifest(t.sandbox), JSON.stringify(infra ? [...parts, infra] : parts));
      const results = await Promise.allSettled(
        launches.map(async ({ launch }, k) => {
          mkdirSync(launch.sandbox, { recursive: true });
          parts[k].handle = await byName(parts[k].runtime)!.launch(launch);
        }),
      );
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed >= 0) {
        await stopAll(parts, 0);
        if (infra) await stopAll([infra], 0);
        throw new Error(
          `container ${parts[failed].name}: ${((results[failed] as PromiseRejectedResult).reason as Error).message}`,
        );
      }
      // The infrastructure container goes last: it is stopped after the containers that use its namespace.
      return {
        taskId: t.taskId,
        runtime: 'pods',
        data: { sandbox: t.sandbox, parts: infra ? [...parts, infra] : parts } as unknown as Record<string, unknown>,
      };
    },

    // A container that changed makes its instance's task change: `<instance>.<container>.<n>` is
    // a container of the task `<instance>._app.<n>` (container names have no dots).
    watch(listener) {
      const stops = runtimes()
        .filter((r) => r !== self)
        .flatMap((r) => r.watch?.((taskId) => listener(taskId && podTaskOf(taskId))) ?? []);
      return () => stops.forEach((stop) => stop());
    },

    async inspect(h: TaskHandle): Promise<TaskStatus> {
      const parts = data(h).parts;
      const states = await Promise.all(parts.map((p) => byName(p.runtime)!.inspect(p.handle!)));
      const ended = states.findIndex((s) => !s.running);
      if (ended < 0) return { running: true };
      const exit = (states[ended] as { exit: TaskExit }).exit;
      return { running: false, exit: { ...exit, message: `container ${parts[ended].name}: ${exit.message}` } };
    },

    async kill(h: TaskHandle, graceSeconds: number): Promise<void> {
      const parts = data(h).parts;
      await stopAll(
        parts.filter((p) => p.name !== INFRA),
        graceSeconds,
      );
      await stopAll(
        parts.filter((p) => p.name === INFRA),
        0,
      );
    },

    async exec(h: TaskHandle, command: string, timeoutMs: number) {
      const parts = data(h).parts;
      const p = parts.find((x) => x.check === command) ?? parts[0];
      const rt = byName(p.runtime);
      if (!rt?.exec || !p.handle) return { exitCode: null, output: `container ${p.name} cannot run commands` };
      return rt.exec(p.handle, command, timeoutMs);
    },

    // `baton logs` of a pod task: the named container's, else its first (each has its own sandbox).
    logFiles: (h: TaskHandle, _sandbox: string, container?: string) => {
      const parts = data(h).parts.filter((x) => x.name !== INFRA);
      const p = container === undefined ? parts[0] : parts.find((x) => x.name === container);
      return p?.handle ? byName(p.runtime)!.logFiles(p.handle, p.sandbox) : undefined;
    },

    async recover(taskId: string, sandbox: string): Promise<TaskHandle | undefined> {
      let parts: Part[];
      try {
        parts = JSON.parse(readFileSync(manifest(sandbox), 'utf8')) as Part[];
      } catch {
        return undefined;
      }
      for (const p of parts) {
        const h = await byName(p.runtime)?.recover?.(p.taskId, p.sandbox);
        if (h) p.handle = h;
      }
      const found = parts.filter((p) => p.handle);
      if (found.length === parts.length)
        return { taskId, runtime: 'pods', data: { sandbox, parts } as unknown as Record<string, unknown> };
      await stopAll(found, 0); // a partly launched instance is relaunched whole
      return undefined;
    },

    async cleanup(h: TaskHandle): Promise<void> {
      // The instance ended (one container did, or all were killed): stop what still runs, free the rest.
      const parts = data(h).parts;
      await stopAll(parts, 0);
      for (const p of parts)
        if (p.handle)
          await byName(p.runtime)
            ?.cleanup?.(p.handle)
            .catch(() => {});
    },
  };
  return self;
}
