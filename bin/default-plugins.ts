import type { BatonPlugin } from '../core/index.js';
import docker from '../plugins/docker/index.js';
import engine from '../plugins/engine/index.js';
import health from '../plugins/health/index.js';
import marathon from '../plugins/marathon/index.js';
import constraints from '../plugins/constraints/index.js';
import groups from '../plugins/groups/index.js';
import discovery from '../plugins/discovery/index.js';
import vip from '../plugins/vip/index.js';
import marathonLb from '../plugins/marathon-lb/index.js';
import mesos from '../plugins/mesos/index.js';
import zdd from '../plugins/zdd/index.js';
import persistence from '../plugins/persistence/index.js';
import pods from '../plugins/pods/index.js';

/**
 * The built-in plugins, on by default (a recipe switches one off with `plugins: { name: false }`).
 * This list is the only place that knows them all: core never imports plugins/.
 */
export function defaultPlugins(): BatonPlugin[] {
  return [
    marathon,
    engine,
    mesos,
    docker,
    pods,
    persistence,
    health,
    constraints,
    groups,
    discovery,
    vip,
    marathonLb,
    zdd,
  ];
}
