import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import enginePlugin from '../../plugins/engine/index.js';
import { startEngineWith } from '../../plugins/engine/build.js';
import type { RunningEngine } from '../../plugins/engine/serve.js';
import { resolveSettings } from '../../plugins/engine/settings.js';
import { MarathonClient } from '../../plugins/marathon/client.js';
import marathon, { marathonEndpoint } from '../../plugins/marathon/index.js';
import mesos from '../../plugins/mesos/index.js';
import { batonAsync, events } from '../helpers/cli.js';

const UID = 'ci-deployer';

/**
 * A stand-in for DC/OS's IAM (POST /acs/api/v1/auth/login), checking what DC/OS checks: a service
 * login JWT signed RS256 by the account's key with `uid` and a near `exp`, or a user's password.
 * `tokens` are handed out in turn (the last one repeats): a test rotates them to expire one.
 */
function iam(publicKeyPem: string, tokens: string[]) {
  const logins: { uid: string; kind: 'service' | 'user'; exp?: number }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const deny = (why: string) =>
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ title: 'Unauthorized', description: why }));
      if (req.method !== 'POST' || req.url !== '/acs/api/v1/auth/login') return deny('not the login endpoint');
      const body = JSON.parse(raw) as { uid: string; token?: string; password?: string };
      if (body.uid !== UID) return deny('unknown uid');
      if (body.token) {
        const [head, claims, sig] = body.token.split('.');
        const ok = verify(
          'sha256',
          Buffer.from(`${head}.${claims}`),
          createPublicKey(publicKeyPem),
          Buffer.from(sig, 'base64url'),
        );
        const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { uid: string; exp: number };
        if (!ok || JSON.parse(Buffer.from(head, 'base64url').toString()).alg !== 'RS256') return deny('bad signature');
        if (c.uid !== UID || c.exp * 1000 < Date.now() || c.exp * 1000 > Date.now() + 3600_000)
          return deny('bad claims');
        logins.push({ uid: c.uid, kind: 'service', exp: c.exp });
      } else if (body.password === 'user-pass-123') logins.push({ uid: body.uid, kind: 'user' });
      else return deny('wrong password');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: tokens[Math.min(logins.length - 1, tokens.length - 1)] }));
    });
  });
  return {
    logins,
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/acs/api/v1/auth/login`;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('DC/OS login (service account, user), against the embedded engine with a token', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-login-'));
  const keyFile = path.join(dir, 'ci-deployer.pem');
  const otherKeyFile = path.join(dir, 'someone-else.pem');
  const ENGINE_TOKEN = 'engine-token-7f3a9c';
  let engine: RunningEngine;
  let loginUrl: string;
  let acs: ReturnType<typeof iam>;
  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(
      otherKeyFile,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    // The first token handed out is stale (the engine refuses it): the client must log in again.
    acs = iam(publicKey.export({ type: 'spki', format: 'pem' }).toString(), ['expired-token', ENGINE_TOKEN]);
    loginUrl = await acs.start();
    const settings = { ...resolveSettings({ stateDir: path.join(dir, 'engine') }), port: 0, token: ENGINE_TOKEN };
    engine = await startEngineWith([marathon, enginePlugin, mesos], settings);
  });
  afterAll(async () => {
    await engine?.close();
    await acs?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a service account logs in with an RS256 JWT, and logs in again when its token is refused (401)', async () => {
    const client = new MarathonClient(
      marathonEndpoint(
        engine.url,
        {},
        { BATON_DCOS_UID: UID, BATON_DCOS_PRIVATE_KEY: keyFile, BATON_DCOS_LOGIN_URL: loginUrl },
      ),
      5000,
      [10],
    );
    // Concurrent first calls share one login.
    const [a, b] = await Promise.all([
      client.get<{ apps: unknown[] }>('/v2/apps'),
      client.get<{ apps: unknown[] }>('/v2/apps'),
    ]);
    expect(a.apps).toEqual([]);
    expect(b.apps).toEqual([]);
    expect(acs.logins.map((l) => l.kind)).toEqual(['service', 'service']); // the stale token, then the good one
    await client.get('/v2/apps');
    expect(acs.logins).toHaveLength(2); // the good token is kept
  });

  it('the login URL defaults to the cluster origin (Admin Router); a user logs in with a password', async () => {
    expect(
      marathonEndpoint(
        'https://dcos.example.com/service/marathon',
        {},
        { BATON_DCOS_UID: UID, BATON_DCOS_PRIVATE_KEY: keyFile },
      ).login,
    ).toEqual({ url: 'https://dcos.example.com/acs/api/v1/auth/login', uid: UID, privateKeyFile: keyFile });
    // A fixed token wins over a login.
    expect(
      marathonEndpoint('https://dcos.example.com/service/marathon', {}, { BATON_TOKEN: 't', BATON_DCOS_UID: UID })
        .login,
    ).toBeUndefined();
    const client = new MarathonClient(
      marathonEndpoint(engine.url, { uid: UID, loginUrl }, { BATON_DCOS_PASSWORD: 'user-pass-123' }),
      5000,
      [10],
    );
    expect((await client.get<{ apps: unknown[] }>('/v2/apps')).apps).toEqual([]);
    expect(acs.logins.at(-1)).toEqual({ uid: UID, kind: 'user' });
  });

  it('baton deploy and status through a service-account login; a wrong key is a target error (exit 6), never printing secrets', async () => {
    const recipe = path.join(dir, 'remote.json');
    writeFileSync(
      recipe,
      JSON.stringify({
        name: 'remote',
        apps: [{ id: '/login/app', cmd: 'sleep 600', cpus: 0.01, mem: 16, instances: 1, portDefinitions: [] }],
      }),
    );
    const env = {
      BATON_MARATHON_URL: engine.url,
      BATON_DCOS_UID: UID,
      BATON_DCOS_PRIVATE_KEY: keyFile,
      BATON_DCOS_LOGIN_URL: loginUrl,
      BATON_STATE_DIR: path.join(dir, 'no-engine'),
    };
    const d = await batonAsync(['deploy', '--json', recipe], { env });
    expect(d.code, d.stderr).toBe(EXIT.OK);
    expect(events(d.stdout).at(-1)).toMatchObject({ type: 'run:end', status: 'ok' });
    expect(engine.engine.state.apps.has('/login/app')).toBe(true);
    const s = await batonAsync(['status', '--json'], { env: { ...env, BATON_DCOS_LOGIN_URL: loginUrl } });
    expect(JSON.parse(s.stdout).apps.map((x: { id: string }) => x.id)).toContain('/login/app');
    for (const out of [d.stdout, d.stderr, s.stdout, s.stderr]) expect(out).not.toContain(ENGINE_TOKEN);

    const bad = await batonAsync(['status'], { env: { ...env, BATON_DCOS_PRIVATE_KEY: otherKeyFile } });
    expect(bad.code).toBe(EXIT.TARGET_UNAVAILABLE);
    expect(bad.stderr).toMatch(/DC\/OS login as ci-deployer refused \(401\): bad signature/);
    const x = await batonAsync(['destroy', '/login/app'], { env });
    expect(x.code, x.stderr).toBe(EXIT.OK);
  }, 60_000);
});
