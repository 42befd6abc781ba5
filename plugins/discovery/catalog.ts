import type { Contract } from '../../core/index.js';
import { appNames, canonicalTaskLabel } from './names.js';
import { addA, addSrv, emptyRecords, type RecordSet } from './records.js';

const FRAMEWORK = 'marathon';

/**
 * The Mesos-DNS zone for the engine's running tasks (marathon-lb-semantics.md §5): only TASK_RUNNING tasks,
 * health ignored; A records for the app names (mangled and legacy) and each task's canonical name,
 * under `.marathon.mesos` and `.marathon.slave.mesos`; SRV records per host port, also by port name.
 */
export function mesosRecords(e: Contract<'engine'>['api']): RecordSet {
  const r = emptyRecords();
  addA(r, 'master.mesos', e.settings.host);
  addA(r, 'leader.mesos', e.settings.host);
  for (const agent of e.settings.agents) addA(r, 'slave.mesos', agent.address);
  for (const i of e.instances.values()) {
    if (i.condition !== 'Running' || !i.taskId) continue;
    const agent = e.agent(i.agentId);
    const stored = e.apps.get(i.appId);
    if (!agent || !stored) continue;
    const canonical = canonicalTaskLabel(i.appId, i.taskId, agent.id);
    addA(r, `${canonical}.${FRAMEWORK}.mesos`, agent.address);
    addA(r, `${canonical}.${FRAMEWORK}.slave.mesos`, agent.address);
    const defs = stored.app.container?.portMappings?.length
      ? stored.app.container.portMappings
      : (stored.app.portDefinitions ?? []);
    for (const name of appNames(i.appId)) {
      addA(r, `${name}.${FRAMEWORK}.mesos`, agent.address);
      addA(r, `${name}.${FRAMEWORK}.slave.mesos`, agent.address);
      i.ports.forEach((port, k) => {
        const def = defs[k] as { name?: string; protocol?: string } | undefined;
        for (const proto of (def?.protocol ?? 'tcp').split(',')) {
          addSrv(r, `_${name}._${proto}.${FRAMEWORK}.mesos`, `${canonical}.${FRAMEWORK}.mesos`, port);
          addSrv(r, `_${name}._${proto}.${FRAMEWORK}.slave.mesos`, `${canonical}.${FRAMEWORK}.slave.mesos`, port);
          if (def?.name)
            addSrv(r, `_${def.name}._${name}._${proto}.${FRAMEWORK}.mesos`, `${canonical}.${FRAMEWORK}.mesos`, port);
        }
      });
    }
  }
  return r;
}
