import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, Issues, normalizeApp } from '../../core/index.js';
import { createOptions } from '../../plugins/docker/runtime.js';
import { baton, events } from '../helpers/cli.js';

describe('docker recipes: validation, preflight, option mapping', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-docker-val-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const app = (over: Record<string, unknown>) => ({
    id: '/c',
    instances: 1,
    cpus: 0.1,
    mem: 32,
    container: { docker: { image: 'baton-test/busybox:1' } },
    ...over,
  });

  it('an unsupported docker run option is a validation error naming it, not ignored', async () => {
    const f = path.join(dir, 'params.json');
    await writeFile(
      f,
      JSON.stringify({
        apps: [
          app({
            container: {
              docker: {
                image: 'baton-test/busybox:1',
                parameters: [
                  { key: 'hostname', value: 'web' },
                  { key: 'volume-driver', value: 'x' },
                ],
              },
            },
          }),
        ],
      }),
    );
    const r = baton(['validate', f]);
    expect(r.code).toBe(EXIT.INVALID_INPUT);
    expect(r.stdout).toMatch(
      /✖ error\s+\/apps\/0\/container\/docker\/parameters\/1\/key\s+'volume-driver' is not a supported docker run option/,
    );
    expect(r.stdout).not.toContain('parameters/0');
  });

  it('an unreachable Docker daemon is a preflight error naming the endpoint; nothing is applied', async () => {
    const f = path.join(dir, 'c.json');
    await writeFile(f, JSON.stringify({ apps: [app({})] }));
    const stateDir = path.join(dir, 'state');
    const r = baton(['deploy', '--json', f], {
      env: { DOCKER_HOST: `unix://${dir}/no-docker.sock`, BATON_STATE_DIR: stateDir, BATON_ENGINE_PORT: '0' },
    });
    expect(r.code).toBe(EXIT.TARGET_UNAVAILABLE);
    expect(events(r.stdout).find((e) => e.type === 'error')!.error).toMatchObject({
      code: 'BATON_TARGET_UNAVAILABLE',
      hook: 'preflight',
      plugin: 'docker',
      message: expect.stringContaining(`The Docker daemon at unix://${dir}/no-docker.sock does not answer`),
    });
    expect(events(r.stdout).some((e) => e.type === 'phase:start' && e.phase === 'apply')).toBe(false);
    baton(['engine', 'stop'], { env: { BATON_STATE_DIR: stateDir } });
  });

  it('an image that cannot be pulled fails the deploy in preflight, before anything changes', async () => {
    const f = path.join(dir, 'missing.json');
    await writeFile(f, JSON.stringify({ apps: [app({ container: { docker: { image: 'baton-test/nowhere:1' } } })] }));
    const stateDir = path.join(dir, 'state2');
    const r = baton(['deploy', '--json', f], { env: { BATON_STATE_DIR: stateDir, BATON_ENGINE_PORT: '0' } });
    expect(r.code).toBe(EXIT.DEPLOY_FAILED);
    expect(events(r.stdout).find((e) => e.type === 'error')!.error.message).toMatch(
      /^\/c: image baton-test\/nowhere:1 is not on this machine and cannot be pulled: /,
    );
    baton(['engine', 'stop'], { env: { BATON_STATE_DIR: stateDir } });
  });

  it('maps Marathon fields onto docker create options (UCR, named networks, parameters, limits)', () => {
    const launch = (raw: Record<string, unknown>) =>
      createOptions(
        {
          taskId: 't',
          instanceId: 'i',
          app: normalizeApp(raw, new Issues()),
          agent: { id: 'a', hostname: '127.0.1.1', address: '127.0.1.1', workDir: '/w' },
          sandbox: '/w/s',
          env: { PATH: '/usr/bin', HOST: '127.0.1.1' },
          ports: [31005],
          killGraceSeconds: 7,
        },
        'e1',
      );
    const ucr = launch({
      id: '/u',
      args: ['httpd', '-f'],
      container: { type: 'MESOS', docker: { image: 'baton-test/busybox:1' } },
      cpus: 0.5,
      mem: 48,
    });
    expect(ucr).toMatchObject({
      Image: 'baton-test/busybox:1',
      Cmd: ['httpd', '-f'],
      StopTimeout: 7,
      HostConfig: { NetworkMode: 'host', Memory: 48 << 20, CpuShares: 512, Binds: ['/w/s:/mnt/mesos/sandbox:rw'] },
    });
    expect(ucr.Entrypoint).toBeUndefined(); // args go to the image's entrypoint
    expect(ucr.Env).toEqual(['HOST=127.0.1.1', 'MESOS_SANDBOX=/mnt/mesos/sandbox']); // no host PATH inside
    const named = launch({
      id: '/n',
      cmd: 'x y',
      networks: [{ mode: 'container', name: 'backend' }],
      container: {
        docker: {
          image: 'i',
          parameters: [
            { key: 'hostname', value: 'web' },
            { key: 'cap-add', value: 'NET_ADMIN' },
          ],
        },
        portMappings: [{ containerPort: 80 }],
      },
    });
    expect(named).toMatchObject({
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['x y'],
      Hostname: 'web',
      HostConfig: { NetworkMode: 'backend', CapAdd: ['NET_ADMIN'] },
    });
    const bridged = launch({
      id: '/b',
      container: { docker: { image: 'i' }, portMappings: [{ containerPort: 0, hostPort: 0, protocol: 'udp,tcp' }] },
      networks: [{ mode: 'container/bridge' }],
    });
    expect(bridged.HostConfig!.PortBindings).toEqual({
      '31005/udp': [{ HostIp: '127.0.1.1', HostPort: '31005' }],
      '31005/tcp': [{ HostIp: '127.0.1.1', HostPort: '31005' }],
    });
  });
});
