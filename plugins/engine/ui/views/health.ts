import type { App, Task } from '../types.js';

/** A task's health as Marathon's clients judge it: no check → unknown; every check alive → healthy. */
export function taskHealth(t: Task, checks: number): 'healthy' | 'unhealthy' | 'unknown' {
  if (checks === 0 || !t.healthCheckResults || t.healthCheckResults.length === 0) return 'unknown';
  return t.healthCheckResults.every((r) => r.alive) ? 'healthy' : 'unhealthy';
}

/**
 * An app's state as the DC/OS UI shows it: deploying while a deployment runs, suspended at 0
 * instances, healthy when its running (and, with checks, healthy) tasks are as many as asked.
 */
export function appHealth(a: App): {
  kind: 'healthy' | 'deploying' | 'unhealthy' | 'suspended';
  label: string;
  why?: string;
} {
  const running = a.tasksRunning ?? 0;
  const healthy = a.tasksHealthy ?? 0;
  const checks = a.healthChecks?.length ?? 0;
  if ((a.deployments ?? []).length > 0) return { kind: 'deploying', label: 'deploying' };
  if (a.instances === 0) return { kind: 'suspended', label: 'suspended' };
  if (running < a.instances)
    return {
      kind: 'unhealthy',
      label: 'degraded',
      why: `${running} of ${a.instances} running${a.lastTaskFailure?.message ? `; last failure: ${a.lastTaskFailure.message}` : ''}`,
    };
  if (checks > 0 && healthy < a.instances)
    return { kind: 'unhealthy', label: 'unhealthy', why: `${healthy} of ${a.instances} healthy` };
  return { kind: 'healthy', label: 'healthy' };
}
