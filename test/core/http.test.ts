import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../core/index.js';

// core/http.ts against a real server on loopback: what an abort does before, during and after an
// answer. An abort after the answer had fully arrived once destroyed a socket already back in the
// keep-alive pool, an uncaught exception in the caller (CI, stop 26).
describe('httpRequest and its abort signal', () => {
  let server: http.Server;
  let base: string;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    server = http.createServer((req, res) => {
      if (req.url === '/slow-head') return void setTimeout(() => res.writeHead(200).end('late'), 2000);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one\n');
      if (req.url === '/slow-body') return void setTimeout(() => res.end('two\n'), 2000);
      res.end('two\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const settle = () => new Promise((r) => setTimeout(r, 100));

  it('before the answer: the request rejects with the reason', async () => {
    const ac = new AbortController();
    const pending = httpRequest(`${base}/slow-head`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    expect(uncaught).toEqual([]);
  });

  it('while a streamed body is read: the reader sees the reason', async () => {
    const ac = new AbortController();
    const answer = await httpRequest(`${base}/slow-body`, { signal: ac.signal, stream: true });
    const read = (async () => {
      for await (const _chunk of answer.body) ac.abort();
    })();
    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    expect(uncaught).toEqual([]);
  });

  it('after the whole answer: nothing happens, and the next request on the kept-alive socket works', async () => {
    for (const stream of [false, true]) {
      const ac = new AbortController();
      const answer = await httpRequest(`${base}/`, { signal: ac.signal, stream });
      let text = '';
      for await (const chunk of answer.body) {
        text += Buffer.from(chunk).toString('utf8');
        if (text.endsWith('two\n')) ac.abort();
      }
      expect(text).toBe('one\ntwo\n');
      await settle();
      expect(uncaught).toEqual([]);
      expect(await (await httpRequest(`${base}/`)).text()).toBe('one\ntwo\n');
    }
  });
});
