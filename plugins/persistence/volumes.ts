import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { idToTaskPrefix, type AgentInfo, type App, type Contract } from '../../core/index.js';

/** A persistent volume as the engine records it in a reservation. */
type LocalVolume = Contract<'engine'>['reservedVolume'];

/** Where an agent keeps its persistent volumes (as Mesos: under the agent's work directory). */
export const volumesDir = (agent: AgentInfo) => path.join(agent.workDir, 'volumes');

/**
 * Persistent local volumes (marathon-semantics.md §5): one directory per volume and reservation under the
 * agent's work directory, named by Marathon's persistenceId. Created at the first launch of an
 * instance; destroyed only when the engine says so (app deleted, or task killed with wipe=true).
 */
export function createLocalVolumes(log: (line: string) => void = () => {}): Contract<'engine'>['volumeProvider'] {
  return {
    create(app: App, _instanceId: string, agent: AgentInfo): LocalVolume[] {
      return (app.container?.volumes ?? [])
        .filter((v) => v.persistent)
        .map((v) => {
          const persistenceId = `${idToTaskPrefix(app.id)}#${v.containerPath}#${randomUUID()}`;
          const hostPath = path.join(volumesDir(agent), persistenceId);
          mkdirSync(hostPath, { recursive: true, mode: 0o755 });
          log(`created volume ${persistenceId} (${v.persistent!.size} MiB) on ${agent.id}`);
          return { containerPath: v.containerPath, persistenceId, hostPath, size: v.persistent!.size };
        });
    },
    destroy(volumes: LocalVolume[]): void {
      for (const v of volumes) {
        // Only ever a directory this provider made: never follow a recorded path elsewhere.
        if (!v.hostPath.includes(`${path.sep}volumes${path.sep}`) || path.basename(v.hostPath) !== v.persistenceId)
          continue;
        rmSync(v.hostPath, { recursive: true, force: true });
        log(`destroyed volume ${v.persistenceId}`);
      }
    },
  };
}
