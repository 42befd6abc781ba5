import { createRequire } from 'node:module';
import { type EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceTarget, type ConformanceTarget } from './target.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads as the client hands them over
type Json = any;
interface BusClient extends EventEmitter {
  subscribe(): void;
  unsubscribe(): void;
}

// The npm client `marathon-event-bus-client` (EventSource on /v2/events), with its own options.
const require = createRequire(import.meta.url);
const MarathonEventBusClient = require('marathon-event-bus-client') as (o: Record<string, unknown>) => BusClient;

describe('marathon-event-bus-client (npm) against the target', () => {
  let target: ConformanceTarget;
  let bus: BusClient;
  const got: { type: string; data: Json }[] = [];

  beforeAll(async () => {
    target = await conformanceTarget('bus');
    const u = new URL(target.url);
    const types = ['deployment_info', 'deployment_step_success', 'deployment_success', 'status_update_event'];
    bus = MarathonEventBusClient({
      marathonHost: u.hostname,
      marathonPort: u.port,
      marathonProtocol: u.protocol.replace(':', ''),
      eventTypes: types,
      ...(target.token ? { marathonHeaders: { Authorization: `token=${target.token}` } } : {}),
      // Handlers named by event type, as the client's README has them.
      handlers: Object.fromEntries(types.map((t) => [t, (type: string, data: Json) => got.push({ type, data })])),
    });
    const subscribed = new Promise((r) => bus.once('subscribed', r));
    bus.subscribe();
    await subscribed;
  }, 60_000);
  afterAll(async () => {
    bus?.unsubscribe();
    await target?.close();
  });

  it('subscribes, and hears a deployment from info to success with the plan, and its task going running', async () => {
    const id = `${target.prefix}/bus`;
    const created = await target.api<{ deployments: { id: string }[] }>('POST', '/v2/apps', {
      id,
      cmd: 'sleep 3600',
      instances: 1,
      cpus: 0.01,
      mem: 16,
    });
    expect(created.status).toBe(201);
    const deploymentId = created.body.deployments[0].id;
    const deadline = Date.now() + 20_000;
    const success = () => got.find((e) => e.type === 'deployment_success' && e.data.id === deploymentId);
    while (Date.now() < deadline && !success()) await sleep(100);
    expect(success()?.data).toMatchObject({ eventType: 'deployment_success', id: deploymentId });
    const info = got.find((e) => e.type === 'deployment_info' && e.data.plan?.id === deploymentId);
    expect(info?.data.plan).toMatchObject({ id: deploymentId, steps: expect.any(Array) });
    expect(info?.data.currentStep.actions).toEqual([{ action: 'StartApplication', app: id }]);
    expect(got.some((e) => e.type === 'deployment_step_success' && e.data.plan?.id === deploymentId)).toBe(true);
    const running = got.find(
      (e) => e.type === 'status_update_event' && e.data.appId === id && e.data.taskStatus === 'TASK_RUNNING',
    );
    expect(running?.data).toMatchObject({
      taskId: expect.any(String),
      host: expect.any(String),
      ports: expect.any(Array),
    });
    // Each event is the one emitted under its name: the type and the payload's eventType agree.
    expect(got.every((e) => e.type === e.data.eventType)).toBe(true);
    await target.api('DELETE', `/v2/apps${id}?force=true`);
  });
});
