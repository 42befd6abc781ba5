import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEngine, type RunningEngine } from '../../plugins/engine/serve.js';
import { resolveSettings } from '../../plugins/engine/settings.js';

describe('engine API security', () => {
  let dir: string;
  let running: RunningEngine;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-sec-'));
  });
  afterAll(async () => {
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds loopback by default and refuses any other address without a token', async () => {
    expect(resolveSettings({}, {}).host).toBe('127.0.0.1');
    await expect(serveEngine({ ...resolveSettings({ stateDir: path.join(dir, 'a') }, {}), host: '0.0.0.0', port: 0 }, () => [])).rejects.toThrow(/refusing to serve the engine API on 0\.0\.0\.0 without a token/);
  });

  it('with a token, requests without it are refused (401); with it they pass', async () => {
    running = await serveEngine({ ...resolveSettings({ stateDir: path.join(dir, 'b') }, {}), port: 0, token: 's3cret-token' }, () => []);
    expect((await fetch(`${running.url}/v2/apps`)).status).toBe(401);
    expect((await fetch(`${running.url}/v2/apps`, { headers: { authorization: 'token=wrong' } })).status).toBe(401);
    expect((await fetch(`${running.url}/v2/apps`, { headers: { authorization: 'token=s3cret-token' } })).status).toBe(200);
    expect((await fetch(`${running.url}/v2/apps`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
  });
});
