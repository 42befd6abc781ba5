import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { baton } from '../helpers/cli.js';
import { SERVER } from '../helpers/engine.js';

/**
 * What the conformance suite drives: by default a Baton engine daemon of its own (`baton engine
 * start`, the default plugin set, a temp state dir, any free port); with `BATON_CONFORMANCE_URL`
 * any Marathon (docs/compatibility.md: running the suite against a real Marathon). Everything
 * the suite creates lives under one group id of its own, removed at the end.
 */
export interface ConformanceTarget {
  url: string;
  token?: string;
  kind: 'engine' | 'marathon';
  /** Every id the suite creates starts with this group id (`/baton-conformance-<client>-<random>`). */
  prefix: string;
  /** A command that serves HTTP on $PORT0 (health checks probe `/`). */
  httpCmd: string;
  /** A Docker image with a shell and `dockerCmd` in it, and the command serving TCP on $PORT0. */
  image: string;
  dockerCmd: string;
  api<T = unknown>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function conformanceTarget(client: string): Promise<ConformanceTarget> {
  const prefix = `/baton-conformance-${client}-${randomBytes(3).toString('hex')}`;
  const remote = process.env.BATON_CONFORMANCE_URL;
  let dir = '';
  let env: Record<string, string> = {};
  let url: string;
  if (remote) url = remote.replace(/\/+$/, '');
  else {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-conformance-'));
    env = { BATON_STATE_DIR: path.join(dir, 'state'), BATON_ENGINE_PORT: '0' };
    const started = baton(['engine', 'start'], { env });
    const m = /engine started: (http:\/\/\S+)/.exec(started.stdout);
    if (!m) throw new Error(`the engine did not start: ${started.stdout}${started.stderr}`);
    url = m[1];
  }
  const token = remote ? process.env.BATON_CONFORMANCE_TOKEN : undefined;
  const api = async <T>(method: string, p: string, body?: unknown) => {
    const r = await fetch(url + p, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `token=${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    url,
    ...(token ? { token } : {}),
    kind: remote ? 'marathon' : 'engine',
    prefix,
    httpCmd: process.env.BATON_CONFORMANCE_HTTP_CMD ?? `exec ${process.execPath} ${SERVER}`,
    image: process.env.BATON_CONFORMANCE_IMAGE ?? 'baton-test/busybox:1',
    dockerCmd: process.env.BATON_CONFORMANCE_DOCKER_CMD ?? 'httpd -f -p $PORT0',
    api,
    async close() {
      // Whatever the run left, forced away, then waited for.
      await api('DELETE', `/v2/groups${prefix}?force=true`).catch(() => undefined);
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        const left = await api<{ apps: unknown[] }>('GET', `/v2/apps?id=${encodeURIComponent(prefix)}`).catch(
          () => undefined,
        );
        if (!left || left.body.apps.length === 0) break;
        await sleep(250);
      }
      if (dir) {
        baton(['engine', 'stop'], { env });
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
