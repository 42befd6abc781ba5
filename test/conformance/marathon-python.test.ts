import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { conformanceTarget, type ConformanceTarget } from './target.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- whatever the client returned
type Json = any;

/** A step of the driver (clients/marathon_python.py): what the client call returned or raised. */
interface Step {
  step: string;
  ok: boolean;
  value?: Json;
  error?: string;
  status?: number;
  refused?: string[];
}

/**
 * Keys Marathon 1.10 itself sends that this client (Debian's python3-marathon 0.13.0) does not
 * take, so the same calls fail against Marathon: `enforceRole` on groups (Marathon 1.9.32;
 * https://github.com/thefactory/marathon-python/issues/280, fixed after 0.13.0) and `role` on
 * queue items (QueueObject, docs/docs/rest-api/public/api/v2/types/queue.raml). The engine answers
 * as Marathon does; any other refused key would be one it made up.
 */
const MARATHON_ONLY: Record<string, string[]> = { get_group: ['enforce_role'], list_groups: ['enforce_role'] };
const QUEUE_ONLY = ['role'];

/** Steps that must fail, and how Marathon fails them. */
const REFUSED: Record<string, number> = {
  get_app_missing: 404,
  // The client's rollback_group PUTs /v2/groups/{id}/versions/{v} with no body (Marathon 0.7's API):
  // Marathon 1.10 reads it as an update of group "{id}/versions/{v}" without a body, 400 Invalid JSON.
  rollback_group: 400,
};

describe('marathon-python (Debian python3-marathon) against the target, with its own defaults', () => {
  let target: ConformanceTarget;
  const steps = new Map<string, Step>();
  const get = (s: string) => {
    const v = steps.get(s);
    if (!v) throw new Error(`the driver never reached step '${s}'`);
    return v;
  };
  let stderr = '';

  beforeAll(async () => {
    target = await conformanceTarget('python');
    const child = spawn('/usr/bin/python3', [path.join(ROOT, 'test/conformance/clients/marathon_python.py')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(
      JSON.stringify({
        url: target.url,
        token: target.token,
        prefix: target.prefix,
        httpCmd: target.httpCmd,
        image: target.image,
        dockerCmd: target.dockerCmd,
      }),
    );
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = JSON.parse(buf.slice(0, nl)) as Step;
        buf = buf.slice(nl + 1);
        if (line.step) steps.set(line.step, line);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    if (code !== 0) throw new Error(`the driver exited with ${code}: ${stderr.slice(-2000)}`);
  }, 600_000);
  afterAll(async () => target?.close());

  it('every call works as it does against Marathon; failures are the ones Marathon gives', () => {
    const failed = [...steps.values()].filter((s) => !s.ok && !(s.step in REFUSED));
    expect(failed).toEqual([]);
    for (const [s, status] of Object.entries(REFUSED)) expect(get(s)).toMatchObject({ ok: false, status });
    // No key the engine sends is one Marathon would not.
    for (const s of steps.values()) expect(s.refused ?? [], s.step).toEqual(MARATHON_ONLY[s.step] ?? []);
    expect(get('queue').value.refused).toEqual(QUEUE_ONLY);
  });

  it('server, create (command with health checks, labels, constraints; Docker), 409 for an existing id', () => {
    expect(get('ping').value).toMatch(/pong/);
    expect(get('info').value).toMatchObject({ elected: true });
    expect(get('info').value.leader).toBeTruthy();
    expect(get('leader').value.leader).toBeTruthy();
    expect(get('create_app').value).toEqual({ id: `${target.prefix}/web`, instances: 2, deployments: 1 });
    expect(get('create_docker_app').value.image).toBe(target.image);
    expect(get('create_app_exists').value).toMatchObject({ status: 409, type: 'ConflictError' });
  });

  it('list and get with every embed, filtered by id, label (k==v) and cmd (any case)', () => {
    expect(get('list_apps').value).toEqual([
      { id: `${target.prefix}/docker`, running: 1, healthy: 1, tasks: 1 },
      { id: `${target.prefix}/web`, running: 2, healthy: 2, tasks: 2 },
    ]);
    expect(get('list_apps_by_label').value).toEqual([`${target.prefix}/web`]);
    expect(get('list_apps_by_cmd').value).toEqual([`${target.prefix}/docker`]);
    const web = get('get_app').value;
    expect(web).toMatchObject({ running: 2, healthy: 2, alive: [true, true], labels: { tier: 'web' } });
    expect(web).toMatchObject({ statsRunning: 2, statsHealthy: 2 }); // embed=app.taskStats
    expect(new Set(web.hosts).size).toBe(2); // hostname:UNIQUE
    expect(web.constraints).toEqual(['MarathonConstraint::hostname:UNIQUE']);
    expect(get('list_tasks_of_app').value).toEqual([`${target.prefix}/web`, `${target.prefix}/web`]);
    expect(get('list_tasks').value).toBe(3);
  });

  it('update (409 while a deployment runs, force=True overrides), scale, restart', () => {
    expect(get('update_app').value.deploymentId).toBeTruthy();
    expect(get('update_app_locked').value).toMatchObject({ status: 409 });
    expect(get('update_app_locked').value.message).toMatch(/locked by one or more deployments/);
    expect(get('updated_env').value).toEqual({ RELEASE: '3' });
    expect(get('instances_after_scaling').value).toBe(2);
    expect(get('restarted').ok).toBe(true);
  });

  it('kill tasks: one relaunches, several with scale=True scale down, all of an app, one with wipe=True', () => {
    expect(get('kill_task_relaunched').ok).toBe(true);
    expect(get('kill_given_tasks_scale').value).toBe(true);
    expect(get('instances_after_kill_scale').value).toBe(2);
    expect(get('kill_tasks_of_app').value).toBe(2);
    expect(get('wiped_replaced').ok).toBe(true);
  });

  it('versions and rollback; deployments: delete reverts, delete with force cancels', () => {
    expect(get('list_versions').value.length).toBeGreaterThanOrEqual(5);
    expect(get('get_version').value).toEqual({ instances: 2, env: {} });
    expect(get('after_rollback').value).toEqual({ instances: 2, env: {} });
    expect(get('list_deployments').value).toEqual([
      { apps: [`${target.prefix}/stuck`], steps: expect.any(Number), actions: expect.any(Array) },
    ]);
    expect(get('delete_deployment').value.deploymentId).toBeTruthy();
    expect(get('stuck_after_revert').value).toEqual([]);
    expect(get('delete_deployment_force').value).toEqual({});
    expect(get('stuck_after_cancel').value).toEqual([`${target.prefix}/stuck`]);
  });

  it('groups: create, get, list, update, scale, delete', () => {
    expect(get('get_group').value).toEqual({ id: `${target.prefix}/grp`, apps: [`${target.prefix}/grp/a`] });
    expect(get('list_groups').value).toEqual([target.prefix]);
    expect(get('group_instances').value).toBe(4); // 1, updated to 2, scaleBy 2
    expect(get('group_deleted').ok).toBe(true);
  });

  it('the queue shows an app in backoff; its delay resets; the failure is the last task failure', () => {
    expect(get('queue').value).toMatchObject({ count: 1, backoff: true });
    expect(get('reset_delay').ok).toBe(true);
    expect(get('last_task_failure').value).toEqual({ state: 'TASK_FAILED', message: 'exited with code 1' });
  });

  it('the event stream, filtered by event_type, parses into the client event classes', () => {
    expect(get('events').value).toEqual(['api_post_event', 'deployment_success', 'status_update_event']);
    expect(get('event_classes').value).toEqual([
      'MarathonApiPostEvent',
      'MarathonDeploymentSuccess',
      'MarathonStatusUpdateEvent',
    ]);
    expect(get('status_update').value).toContain('TASK_RUNNING');
  });

  it('delete_app with force=True ("True" on the wire) and with its default; nothing is left', () => {
    expect(get('delete_app_force').value.deploymentId).toBeTruthy();
    expect(get('delete_app').value.deploymentId).toBeTruthy();
    expect(get('deleted').ok).toBe(true);
    expect(get('remaining').value).toEqual([]);
  });
});
