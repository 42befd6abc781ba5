// A third-party Baton plugin in plain ESM JavaScript: a `verify` stage. No runtime dependency on Baton.

/**
 * @typedef {{
 *   url?: string,            // check this address (a load balancer or VIP), e.g. "http://127.0.0.1:10000/health"
 *   path?: string,           // else: GET this path on every running instance of each app the deploy changed
 *   portIndex?: number,      // which of the instance's host ports (default 0)
 *   expect?: number[],       // accepted status codes (default 200-399)
 *   contains?: string,       // the body must contain this text
 *   attempts?: number,       // per address, before it counts as failed (default 3)
 *   timeoutMs?: number,      // per request (default 2000)
 * }} SmokeOptions
 */

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One address, a few attempts: undefined when it answered as expected, else why not. */
async function check(url, o) {
  let why = '';
  for (let attempt = 1; attempt <= (o.attempts ?? 3); attempt++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 2000), redirect: 'manual' });
      const body = await r.text();
      const statusOk = o.expect ? o.expect.includes(r.status) : r.status >= 200 && r.status < 400;
      if (statusOk && (!o.contains || body.includes(o.contains))) return undefined;
      why = statusOk ? `the answer does not contain ${JSON.stringify(o.contains)}` : `HTTP ${r.status}`;
    } catch (err) {
      why =
        err.name === 'TimeoutError'
          ? `no answer within ${o.timeoutMs ?? 2000} ms`
          : String(err.cause?.code ?? err.message);
    }
    await sleep(200 * attempt);
  }
  return why;
}

/** @type {import('baton').BatonPlugin} */
const plugin = {
  name: 'baton-plugin-smoke-test',
  version: '0.1.0',
  requires: '^0.1.0',
  apply(runner, { options, log }) {
    /** @type {SmokeOptions} */
    const o = /** @type {any} */ (options);
    if (!o.url && !o.path)
      throw new Error("set 'url' (a load balancer or VIP address) or 'path' (checked on every new instance)");

    runner.hooks.verify.tapPromise({ name: 'baton-plugin-smoke-test', title: 'Smoke test' }, async (ctx) => {
      const changed = (ctx.plan?.changes ?? [])
        .filter((c) => c.type === 'app' && ['create', 'restart', 'scale'].includes(c.kind))
        .map((c) => c.id);
      const addresses = [];
      if (o.url) addresses.push({ what: 'url', url: o.url });
      else {
        if (!ctx.target?.endpoints)
          throw new Error(`the ${ctx.target?.kind ?? ''} target cannot list instance addresses; set 'url' instead`);
        for (const id of changed) {
          for (const ep of await ctx.target.endpoints(id, ctx.signal)) {
            const port = ep.ports[o.portIndex ?? 0];
            if (port) addresses.push({ what: `${id} ${ep.taskId}`, url: `http://${ep.host}:${port}${o.path}` });
          }
        }
      }
      const failures = [];
      for (const a of addresses) {
        const why = await check(a.url, o);
        if (why) failures.push(`${a.what} (${a.url}): ${why}`);
      }
      if (failures.length > 0) {
        // A catalogue code picks Baton's exit code: the deploy failed (and, by default, rolls back).
        throw Object.assign(
          new Error(
            `smoke test failed on ${failures.length} of ${addresses.length} address(es): ${failures.join('; ')}`,
          ),
          { code: 'BATON_DEPLOY_FAILED' },
        );
      }
      log.info(`smoke test passed on ${addresses.length} address(es)`);
    });
  },
};

export default plugin;
