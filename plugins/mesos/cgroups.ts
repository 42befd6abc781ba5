import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Mesos-style isolation with cgroups (v1 memory and cpu controllers, or v2): a task's `mem` is its
 * memory limit and `cpus` its CPU shares. Only as root with writable cgroups; otherwise tasks run
 * unconfined and `isolation()` says so.
 */
export interface CgroupPaths {
  mem: string;
  cpu: string;
}

const V1_MEM = '/sys/fs/cgroup/memory';
const V1_CPU = '/sys/fs/cgroup/cpu';
const V2 = '/sys/fs/cgroup';

export type CgroupMode = 'v1' | 'v2' | 'none';

let detected: CgroupMode | undefined;
export function cgroupMode(): CgroupMode {
  if (detected) return detected;
  detected = 'none';
  if (process.getuid?.() !== 0 || process.env.BATON_NO_CGROUPS) return detected;
  const probe = (dir: string) => {
    const p = path.join(dir, `baton-probe-${process.pid}`);
    try {
      mkdirSync(p);
      rmdirSync(p);
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync(path.join(V2, 'cgroup.controllers')) && probe(V2)) detected = 'v2';
  else if (
    existsSync(path.join(V1_MEM, 'memory.limit_in_bytes')) &&
    existsSync(V1_CPU) &&
    probe(V1_MEM) &&
    probe(V1_CPU)
  )
    detected = 'v1';
  return detected;
}

/**
 * Every task sits below one engine cgroup (as Mesos puts containers below `mesos/`). That parent's
 * CPU weight is what the agents offer (1024 per offered cpu): left at the default it would weigh
 * like one ordinary process, and all tasks together would get half a CPU under contention.
 */
function ensureEngineGroup(mode: CgroupMode, engineId: string, offeredCpus: number): void {
  const dir = mode === 'v1' ? path.join(V1_CPU, `baton-${engineId}`) : path.join(V2, `baton-${engineId}`);
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  try {
    if (mode === 'v1')
      writeFileSync(
        path.join(dir, 'cpu.shares'),
        String(Math.min(262144, Math.max(2, Math.round(offeredCpus * 1024)))),
      );
    else
      writeFileSync(path.join(dir, 'cpu.weight'), String(Math.min(10000, Math.max(1, Math.round(offeredCpus * 100)))));
  } catch {
    /* cpu controller not delegated */
  }
}

/**
 * Create the task's cgroups with its limits; undefined when cgroups are not in use. Asynchronous:
 * a cgroup directory costs the kernel a fraction of a millisecond, and a thousand launches at once
 * must not hold the engine's event loop for that long.
 */
export async function createCgroups(
  engineId: string,
  taskId: string,
  memMiB: number,
  cpus: number,
  offeredCpus = 1,
): Promise<CgroupPaths | undefined> {
  const mode = cgroupMode();
  if (mode === 'none') return undefined;
  ensureEngineGroup(mode, engineId, offeredCpus);
  const leaf = path.join(`baton-${engineId}`, taskId);
  const bytes = String(Math.max(4, Math.round(memMiB)) * 1024 * 1024);
  if (mode === 'v1') {
    const mem = path.join(V1_MEM, leaf);
    const cpu = path.join(V1_CPU, leaf);
    await mkdir(mem, { recursive: true });
    await mkdir(cpu, { recursive: true });
    await writeFile(path.join(mem, 'memory.limit_in_bytes'), bytes);
    try {
      await writeFile(path.join(mem, 'memory.memsw.limit_in_bytes'), bytes); // no swapping around the limit
    } catch {
      /* swap accounting off */
    }
    await writeFile(path.join(cpu, 'cpu.shares'), String(Math.max(2, Math.round(cpus * 1024))));
    return { mem, cpu };
  }
  const dir = path.join(V2, leaf);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'memory.max'), bytes);
  try {
    await writeFile(path.join(dir, 'cpu.weight'), String(Math.min(10000, Math.max(1, Math.round(cpus * 100)))));
  } catch {
    /* cpu controller not delegated */
  }
  return { mem: dir, cpu: dir };
}

/** True when the kernel OOM-killed something in the task's memory cgroup. */
export function oomKilled(cg: CgroupPaths | undefined): boolean {
  if (!cg) return false;
  try {
    const file = existsSync(path.join(cg.mem, 'memory.oom_control')) ? 'memory.oom_control' : 'memory.events';
    const m = /oom_kill (\d+)/.exec(readFileSync(path.join(cg.mem, file), 'utf8'));
    return m !== null && Number(m[1]) > 0;
  } catch {
    return false;
  }
}

/** Pids still in the task's cgroup (processes that escaped the task's process group). */
export function cgroupPids(cg: CgroupPaths | undefined): number[] {
  if (!cg) return [];
  try {
    return readFileSync(path.join(cg.mem, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function removeCgroups(cg: CgroupPaths | undefined): void {
  if (!cg) return;
  for (const dir of new Set([cg.mem, cg.cpu])) {
    for (const d of [dir, path.dirname(dir)]) {
      try {
        rmdirSync(d); // the engine's parent goes too once its last task is gone
      } catch {
        break; // still busy, or gone
      }
    }
  }
}
