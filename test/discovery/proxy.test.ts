import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VipProxy } from '../../plugins/vip/proxy.js';
import { freePort } from '../helpers/net.js';

/** The L4 proxy on its own: least connections, a refusing backend skipped, draining backends. */
describe('VipProxy', () => {
  const servers: http.Server[] = [];
  const backends: { host: string; port: number; name: string }[] = [];
  let proxy: VipProxy;
  const hit = async () =>
    await (await fetch(`http://${proxy.address}:${proxy.port}/`, { headers: { connection: 'close' } })).text();
  beforeAll(async () => {
    for (const [host, name] of [
      ['127.0.1.1', 'a'],
      ['127.0.1.2', 'b'],
    ]) {
      const s = http.createServer((_q, r) => r.end(name));
      await new Promise<void>((res) => s.listen(0, host, res));
      servers.push(s);
      backends.push({ host, port: (s.address() as AddressInfo).port, name });
    }
    proxy = new VipProxy('127.0.6.240', await freePort('127.0.6.240'));
    await proxy.listen();
  });
  afterAll(async () => {
    await proxy.close();
    for (const s of servers) s.close();
  });

  it('a backend that refuses (nothing listens) is skipped: the client never sees the failure', async () => {
    const dead = await freePort('127.0.1.3');
    proxy.setBackends([
      { host: '127.0.1.3', port: dead, active: true, taskId: 'dead' },
      { ...backends[0], active: true, taskId: 'a' },
    ]);
    const answers = await Promise.all(Array.from({ length: 20 }, hit));
    expect(new Set(answers)).toEqual(new Set(['a']));
  });

  it('spreads over active backends; a draining one gets no new connections', async () => {
    proxy.setBackends(backends.map((b) => ({ host: b.host, port: b.port, active: true, taskId: b.name })));
    const seen = new Set<string>();
    for (let k = 0; k < 20; k++) seen.add(await hit());
    expect(seen).toEqual(new Set(['a', 'b']));
    proxy.setBackends(backends.map((b) => ({ host: b.host, port: b.port, active: b.name === 'b', taskId: b.name })));
    const after = new Set<string>();
    for (let k = 0; k < 20; k++) after.add(await hit());
    expect(after).toEqual(new Set(['b']));
  });

  it('with no active backend the connection is closed at once', async () => {
    proxy.setBackends([]);
    await expect(hit()).rejects.toThrow();
  });
});
