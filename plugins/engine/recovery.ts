import { podContainerTaskId, type App, type Pod, type TaskRuntime } from '../../core/index.js';
import type { Instance } from './types.js';
import type { EngineState } from './state.js';

/**
 * After a restart: instances caught mid-launch get their task back from the runtime (or are
 * relaunched if nothing started); the rest are inspected by the first tick, which learns of the
 * exits that happened while no engine was running.
 */
export async function adoptLaunches(
  state: EngineState,
  runtimeFor: (app: App, pod?: Pod) => TaskRuntime | undefined,
): Promise<void> {
  for (const i of state.instances.values())
    if (i.condition === 'Staging' && !i.handle && i.taskId && i.sandbox) await adoptLaunch(state, i, runtimeFor);
}

/** An instance staged with no task handle: its task from the runtime if it started, else Gone (relaunched). */
export async function adoptLaunch(
  state: EngineState,
  i: Instance,
  runtimeFor: (app: App, pod?: Pod) => TaskRuntime | undefined,
): Promise<void> {
  const stored = state.apps.get(i.appId);
  const rt = stored && runtimeFor(stored.app, stored.pod);
  const h = rt?.recover && i.taskId && i.sandbox ? await rt.recover(i.taskId, i.sandbox) : undefined;
  if (h)
    state.setCondition(i, 'Starting', { handle: h }); // Running once the next inspection finds it alive
  else
    state.setCondition(i, 'Gone', {
      lastExit: { state: 'TASK_GONE', message: 'the task did not start, or its start was not recorded' },
    });
}

/** Let runtimes remove what they started for this engine that no instance knows (after a crash). */
export async function removeStrays(state: EngineState, runtimes: readonly TaskRuntime[]): Promise<void> {
  const known = new Set([...state.instances.values()].map((i) => i.taskId).filter((t): t is string => t !== undefined));
  // A pod instance's containers are tasks of their own (runtimes label them so).
  for (const i of state.instances.values()) {
    const stored = state.apps.get(i.appId);
    const pod = stored?.pod && state.specOf(i, stored).pod;
    if (pod && i.incarnation > 0)
      for (const c of pod.containers) known.add(podContainerTaskId(i.instanceId, c.name, i.incarnation));
  }
  for (const rt of runtimes) {
    if (!rt.reconcile) continue;
    try {
      for (const name of await rt.reconcile(known))
        state.events.emit('unknown_instance_terminated_event', {
          instanceId: name,
          runSpecId: '',
          condition: 'Killed',
        });
    } catch {
      /* the runtime is unreachable now; next time */
    }
  }
}
