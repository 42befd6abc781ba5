import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { batonAsync, events, ROOT } from '../helpers/cli.js';

/**
 * A third-party plugin as its users get it: `npm pack` of recipes/plugins/webhook-notifier, installed
 * into a project outside this repository, named in that project's recipe, run by the real CLI.
 */
describe('an example plugin packed as an npm package and loaded by name', () => {
  let project: string;
  const got: { event: string; recipe: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  let env: Record<string, string>;

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'baton-plugin-user-'));
    const npm = (args: string[], cwd: string) =>
      execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    npm(['pack', '--pack-destination', project, path.join(ROOT, 'recipes/plugins/webhook-notifier')], project);
    const tgz = (await readdir(project)).find((f) => f.endsWith('.tgz'))!;
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'my-services', private: true }));
    npm(['install', '--offline', '--no-audit', '--no-fund', `./${tgz}`], project);
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/deploys`;
    await writeFile(
      path.join(project, 'baton.config.json'),
      JSON.stringify({
        name: 'packed-plugin-demo',
        plugins: { 'baton-plugin-webhook': { url, retries: 1 } },
        apps: [{ id: '/packed', cmd: 'sleep 300', cpus: 0.01, mem: 16, instances: 1 }],
      }),
    );
    env = { BATON_STATE_DIR: path.join(project, 'state'), BATON_ENGINE_PORT: '0' };
  }, 120_000);

  afterAll(async () => {
    await batonAsync(['destroy', '/packed'], { env, cwd: project });
    await new Promise((r) => setTimeout(r, 1000));
    await batonAsync(['engine', 'stop'], { env, cwd: project });
    receiver.close();
    await rm(project, { recursive: true, force: true });
  });

  it("deploys with the plugin resolved from the recipe's directory; the webhook hears started and succeeded", async () => {
    const r = await batonAsync(['deploy', '--json'], { env, cwd: project });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const stages = events(r.stdout)
      .filter((e) => e.type === 'stage:end' && e.plugin === 'baton-plugin-webhook')
      .map((e) => e.title);
    expect(stages).toEqual(['Notify: deploy started', 'Notify: deploy succeeded']);
    expect(got.map((g) => [g.event, g.recipe])).toEqual([
      ['started', 'packed-plugin-demo'],
      ['succeeded', 'packed-plugin-demo'],
    ]);
  }, 60_000);
});
