import { spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  PACKAGE_ROOT,
  type App,
  type TaskExit,
  type TaskHandle,
  type TaskLaunch,
  type TaskRuntime,
  type TaskStatus,
} from '../../core/index.js';
import { cgroupMode, cgroupPids, createCgroups, oomKilled, removeCgroups, type CgroupPaths } from './cgroups.js';
import { ExitNotices } from './exits.js';
import { Launcher } from './launcher.js';
import { isSameProcess, processStartTime, signalGroup, signalName } from './proc.js';

const SUPERVISOR = path.join(PACKAGE_ROOT, 'plugins/mesos/supervisor.sh');

interface ProcessTaskData {
  /** The task's pid (= its process group); read from the supervisor's pid file once written. */
  pid?: number;
  pidStart?: string;
  supervisorPid: number;
  supervisorStart?: string;
  sandbox: string;
  cgroups?: CgroupPaths;
  memMiB: number;
}

const data = (h: TaskHandle) => h.data as unknown as ProcessTaskData;

/**
 * Volumes of a process task appear in its sandbox, where Mesos mounts them: persistent volumes at
 * `<sandbox>/<containerPath>`, host volumes with a relative containerPath likewise. A process has
 * no mount namespace of its own, so these are symbolic links (absolute container paths cannot be
 * honoured without one; validation warns about them).
 */
function mountInSandbox(t: TaskLaunch): void {
  const links = new Map<string, string>();
  for (const v of t.volumes ?? []) links.set(v.containerPath, v.hostPath);
  for (const v of t.app.container?.volumes ?? []) {
    if (v.hostPath === undefined || path.isAbsolute(v.containerPath)) continue;
    // A host volume may name a persistent volume by its relative path (marathon-semantics.md §5.1).
    const target = path.isAbsolute(v.hostPath)
      ? v.hostPath
      : (links.get(v.hostPath) ?? path.join(t.sandbox, v.hostPath));
    links.set(v.containerPath, target);
  }
  for (const [at, target] of links) {
    const where = path.join(t.sandbox, at);
    if (!existsSync(where)) symlinkSync(target, where);
  }
}

/** The command a task runs: `cmd` through /bin/sh -c, `args` without a shell (marathon-semantics.md §1.2). */
export function taskArgv(app: App): string[] {
  if (app.cmd !== undefined) return ['/bin/sh', '-c', app.cmd];
  if (app.args && app.args.length > 0) return app.args;
  throw new Error(`app ${app.id} has neither cmd nor args`);
}

/**
 * Mesos command tasks as real processes: each under a detached shell supervisor that records its
 * exit, in its own process group, optionally confined by cgroups.
 */
export function createMesosRuntime(engineId: string, offeredCpus = 1, stateDir?: string): TaskRuntime {
  const exits = stateDir ? new ExitNotices(path.join(stateDir, 'exits')) : undefined;
  const launcher = new Launcher();
  return {
    name: 'mesos',
    accepts: (app) => !app.container || (app.container.type === 'MESOS' && !app.container.docker),
    isolation: () => {
      const mode = cgroupMode();
      return mode === 'none'
        ? 'none: tasks run unconfined (needs root and writable cgroups for memory/cpu limits)'
        : `cgroups ${mode}: memory limit = mem, cpu shares = cpus; OOM kills reported`;
    },

    async launch(t: TaskLaunch): Promise<TaskHandle> {
      await mkdir(path.join(t.sandbox, '.baton'), { recursive: true });
      mountInSandbox(t);
      const cgroups = await createCgroups(engineId, t.taskId, t.app.mem, t.app.cpus, offeredCpus);
      // Detached (a session of its own): it survives the engine, and Ctrl-C in the engine's terminal.
      const supervisorPid = await launcher
        .spawn({
          file: '/bin/sh',
          args: [
            SUPERVISOR,
            t.sandbox,
            cgroups?.mem ?? '-',
            cgroups?.cpu ?? '-',
            exits?.dir ?? '-',
            '--',
            ...taskArgv(t.app),
          ],
          cwd: t.sandbox,
          env: t.env,
        })
        .catch((err: Error) => {
          throw new Error(`could not start the task supervisor: ${err.message}`);
        });
      // Like Mesos' command executor, the task counts as running once its supervisor runs; the
      // task's own pid is read from the supervisor's pid file when first needed (no polling here:
      // busy-waiting would steal CPU from the tasks starting up).
      const d: ProcessTaskData = {
        supervisorPid,
        supervisorStart: processStartTime(supervisorPid),
        sandbox: t.sandbox,
        memMiB: t.app.mem,
        ...(cgroups ? { cgroups } : {}),
      };
      return { taskId: t.taskId, runtime: 'mesos', data: d as unknown as Record<string, unknown> };
    },

    async inspect(h: TaskHandle): Promise<TaskStatus> {
      const d = data(h);
      resolvePid(d);
      const exitFile = path.join(d.sandbox, '.baton', 'exit');
      if (existsSync(exitFile))
        return { running: false, exit: exitOf(Number(readFileSync(exitFile, 'utf8').trim()), d) };
      if (isSameProcess(d.pid, d.pidStart)) return { running: true };
      // The task is gone; its supervisor may be about to write the exit file.
      if (isSameProcess(d.supervisorPid, d.supervisorStart)) return { running: true };
      if (existsSync(exitFile))
        return { running: false, exit: exitOf(Number(readFileSync(exitFile, 'utf8').trim()), d) };
      return {
        running: false,
        exit: {
          state: 'TASK_GONE',
          message:
            'the task and its supervisor disappeared without recording an exit (machine restart or killed from outside)',
        },
      };
    },

    async kill(h: TaskHandle, graceSeconds: number): Promise<void> {
      const d = data(h);
      // A task killed right after launch: give its supervisor a moment to start it.
      for (let i = 0; !resolvePid(d) && isSameProcess(d.supervisorPid, d.supervisorStart) && i < 200; i++)
        await sleep(5);
      const alive = () => isSameProcess(d.pid, d.pidStart);
      if (alive()) signalGroup(d.pid!, 'SIGTERM');
      const deadline = Date.now() + graceSeconds * 1000;
      while (alive() && Date.now() < deadline) await sleep(20);
      if (alive()) signalGroup(d.pid!, 'SIGKILL');
      // Children that left the task's process group are still in its cgroup: no orphans.
      for (const pid of cgroupPids(d.cgroups)) {
        if (pid !== d.supervisorPid) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      for (let i = 0; alive() && i < 500; i++) await sleep(10);
    },

    async recover(taskId: string, sandbox: string): Promise<TaskHandle | undefined> {
      const pid = pidIn(sandbox);
      if (pid === undefined) return undefined;
      const d: ProcessTaskData = { pid, pidStart: processStartTime(pid), supervisorPid: 0, sandbox, memMiB: 0 };
      return { taskId, runtime: 'mesos', data: d as unknown as Record<string, unknown> };
    },

    async exec(h: TaskHandle, command: string, timeoutMs: number) {
      const d = data(h);
      // Right after launch the supervisor may not have started the task yet: its environment is needed.
      for (let i = 0; !resolvePid(d) && i < 200; i++) await sleep(5);
      return new Promise<{ exitCode: number | null; output: string }>((resolve) => {
        const child = spawn('/bin/sh', ['-c', command], {
          cwd: d.sandbox,
          env: taskEnviron(d.pid),
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
        });
        let output = '';
        const keep = (b: Buffer) => {
          if (output.length < 2048) output += b.toString();
        };
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        child.on('error', (err) => resolve({ exitCode: null, output: err.message }));
        child.on('close', (code, signal) => resolve({ exitCode: signal ? null : code, output }));
      });
    },

    logFiles: (_h, sandbox) => ({ stdout: path.join(sandbox, 'stdout'), stderr: path.join(sandbox, 'stderr') }),

    ...(exits ? { watch: (listener: (taskId?: string) => void) => exits.listen(listener) } : {}),

    async cleanup(h: TaskHandle): Promise<void> {
      const d = data(h);
      for (let i = 0; i < 50 && isSameProcess(d.supervisorPid, d.supervisorStart); i++) await sleep(10);
      removeCgroups(d.cgroups);
    },
  };
}

/** The task's own environment (as a COMMAND check inside the task would see it). */
function taskEnviron(pid: number | undefined): NodeJS.ProcessEnv {
  try {
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  } catch {
    return { PATH: process.env.PATH };
  }
}

/** The task's pid from the supervisor's pid file, once its line is whole (supervisor.sh writes it in place). */
function pidIn(sandbox: string): number | undefined {
  try {
    const m = /^(\d+)\n$/.exec(readFileSync(path.join(sandbox, '.baton', 'task.pid'), 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // not written yet
  }
}

/** Fill in the task pid from the supervisor's pid file (once it exists); true when known. */
function resolvePid(d: ProcessTaskData): boolean {
  if (d.pid) return true;
  const pid = pidIn(d.sandbox);
  if (pid === undefined) return false;
  d.pid = pid;
  d.pidStart = processStartTime(pid);
  return true;
}

function exitOf(status: number, d: ProcessTaskData): TaskExit {
  if (status === 0) return { state: 'TASK_FINISHED', exitCode: 0, message: 'exited with code 0' };
  if (status > 128) {
    const signal = signalName(status - 128);
    if (status - 128 === 9 && oomKilled(d.cgroups)) {
      return {
        state: 'TASK_FAILED',
        signal,
        message: `out of memory: killed at its ${d.memMiB} MiB limit`,
        reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
      };
    }
    return { state: 'TASK_FAILED', signal, message: `killed by ${signal}` };
  }
  return { state: 'TASK_FAILED', exitCode: status, message: `exited with code ${status}` };
}
