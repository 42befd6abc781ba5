import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/index.js';

const SCRIPT = path.join(PACKAGE_ROOT, 'plugins/mesos/launcher.mjs');

interface Spawn {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * Starts detached processes through a small helper process (launcher.mjs) instead of forking the
 * engine: the engine's fork cost grows with its memory, the helper's does not, and the forks run
 * beside the engine's event loop rather than in it. The helper is started on first use and again
 * when it has gone; without it (it cannot start), processes are spawned here.
 */
export class Launcher {
  private child?: ChildProcess;
  private next = 0;
  private readonly pending = new Map<number, { resolve(pid: number): void; reject(err: Error): void }>();

  async spawn(s: Spawn): Promise<number> {
    const child = this.helper();
    if (!child) return direct(s);
    const id = ++this.next;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, ...s }, (err) => {
        if (!err) return;
        this.pending.delete(id);
        direct(s).then(resolve, reject);
      });
    });
  }

  private helper(): ChildProcess | undefined {
    if (this.child?.connected) return this.child;
    if (!existsSync(SCRIPT)) return undefined;
    try {
      const child = fork(SCRIPT, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
      child.on('message', (m: { id: number; pid?: number; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.pid) p.resolve(m.pid);
        else p.reject(new Error(m.error ?? 'the launcher could not start the process'));
      });
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        for (const p of this.pending.values()) p.reject(new Error('the launcher exited'));
        this.pending.clear();
      });
      // Neither the helper nor its channel keeps the engine's process alive.
      child.unref();
      (child as ChildProcess & { channel?: { unref(): void } }).channel?.unref();
      this.child = child;
      return child;
    } catch {
      return undefined;
    }
  }
}

/** Spawn from this process (the helper is not there). */
function direct(s: Spawn): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(s.file, s.args, { cwd: s.cwd, env: s.env, detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid) resolve(child.pid);
    else child.once('error', reject);
  });
}
