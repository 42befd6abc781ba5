import { mkdirSync, readdirSync, rmSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/**
 * Exits of process tasks as events: each task's supervisor, once it has recorded the exit, drops
 * an empty file named after the task into one directory (supervisor.sh), which this watches — one
 * inotify watch for every task, those of earlier engines included. The engine then inspects the
 * tasks that ended instead of every task on every tick.
 */
export class ExitNotices {
  private readonly listeners = new Set<(taskId?: string) => void>();
  private watcher?: FSWatcher;

  constructor(readonly dir: string) {}

  /** Tell the listeners about `taskId` (also used for a supervisor this process saw exit). */
  notify(taskId: string): void {
    for (const l of this.listeners) l(taskId);
  }

  listen(listener: (taskId?: string) => void): () => void {
    this.listeners.add(listener);
    if (!this.watcher) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.watcher?.close();
        this.watcher = undefined;
      }
    };
  }

  private start(): void {
    mkdirSync(this.dir, { recursive: true });
    this.watcher = watch(this.dir, (_event, name) => {
      if (name) this.take(name.toString());
    });
    // Exits that happened while no engine watched.
    for (const name of readdirSync(this.dir)) this.take(name);
  }

  private take(name: string): void {
    const file = path.join(this.dir, name);
    try {
      rmSync(file);
    } catch {
      return; // already taken (the watcher reports a file's creation and its removal)
    }
    this.notify(name);
  }
}
