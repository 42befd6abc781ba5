import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, timeDeploys, waitAll } from './net.js';
import docker, { dockerClient } from '../plugins/docker/index.js';
import engine from '../plugins/engine/index.js';
import { startEngineWith } from '../plugins/engine/build.js';
import { resolveSettings } from '../plugins/engine/settings.js';
import marathon from '../plugins/marathon/index.js';

const IMAGE = 'baton/minitwit:1';

/** Baseline: dockerode create + start of the same N containers (bridge, port 80 published on 127.0.1.x), until each answers. */
export async function rawContainers(n: number): Promise<number> {
  const d = dockerClient();
  const targets = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const host = `127.0.1.${(i % 3) + 1}`;
      return { host, port: await freePort(host) };
    }),
  );
  const t0 = performance.now();
  // Poll from the start, as the Baton side does (it knows the ports at once): a connect made before
  // Docker publishes a port can hang, so polling only after the starts would flatter the baseline.
  const [containers] = await Promise.all([
    Promise.all(
      targets.map(async (t) => {
        const c = await d.createContainer({
          Image: IMAGE,
          ExposedPorts: { '80/tcp': {} },
          HostConfig: {
            NetworkMode: 'bridge',
            PortBindings: { '80/tcp': [{ HostIp: t.host, HostPort: String(t.port) }] },
            Memory: 64 << 20,
          },
          Labels: { 'baton.bench': 'raw' },
        });
        await c.start();
        return c;
      }),
    ),
    waitAll(targets),
  ]);
  const ms = performance.now() - t0;
  await Promise.all(containers.map((c) => c.remove({ force: true })));
  return ms;
}

/** Baton: POST an app of N bridge containers to the embedded engine and wait until every one answers. */
export async function engineContainers(n: number, runs: number): Promise<number[]> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-docker-'));
  const running = await startEngineWith([marathon, engine, docker], { ...resolveSettings({ stateDir }), port: 0 });
  const samples: number[] = [];
  try {
    samples.push(
      ...(await timeDeploys(running, runs, n, () => ({
        cpus: 0.1,
        mem: 64,
        container: { docker: { image: IMAGE }, portMappings: [{ containerPort: 80, hostPort: 0 }] },
        networks: [{ mode: 'container/bridge' }],
      }))),
    );
  } finally {
    await running.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  return samples;
}
