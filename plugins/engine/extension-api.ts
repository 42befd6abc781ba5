import type { EngineApi, InstanceView } from './contract.js';
import type { Engine } from './engine.js';
import type { Instance, StoredApp } from './types.js';

/**
 * The narrow face a started engine shows its extensions (contract.ts): reads of its state, the
 * few actions they take, and the places they plug into — never the Engine object itself, so what
 * extensions may do is what this lists. Instances given back are looked up by id.
 */
export function extensionApi(e: Engine): EngineApi {
  const own = (i: InstanceView): Instance | undefined => e.state.instances.get(i.instanceId);
  return {
    id: e.id,
    settings: e.settings,
    apps: e.state.apps,
    instances: e.state.instances,
    runtimes: e.runtimes,
    events: e.state.events,
    get stopping() {
      return e.stopping;
    },
    agent: (id) => e.state.agent(id),
    specOf: (i, current) => e.state.specOf(own(i) ?? (i as Instance), current as StoredApp),
    isHealthy: (i) => {
      const x = own(i);
      return x !== undefined && e.state.isHealthy(x);
    },
    locks: (appId) => e.driver.locks(appId),
    kill: async (i, reason) => {
      const x = own(i);
      if (x) await e.kill(x, reason);
    },
    poke: () => e.poke(),
    setHealth: (i, health) => {
      const x = own(i);
      if (!x || x.taskId !== i.taskId) return;
      // A new array, not a touch: the API encodes health results apart from the rest of a task (api/render.ts).
      x.health = [...health];
    },
    setReadiness: (i, readiness, ready) => {
      const x = own(i);
      if (!x || x.taskId !== i.taskId) return;
      x.readiness = readiness;
      if (ready) x.ready = true;
      e.state.touch(x);
    },
    addStatusSection: (name, section) => void e.extensions.set(name, section),
    addRoutes: (routes) => void e.routes.push(...routes),
    addKillGate: (gate) => void e.killGates.push(gate),
    addResolver: (address) => void e.resolvers.push(address),
    get metrics() {
      return e.metrics.registry;
    },
    onStop: (fn) => e.onStop(fn),
  };
}
