// A third-party Baton plugin in plain ESM JavaScript: no runtime dependency on Baton (types only, via JSDoc).

/** @typedef {{ url: string, timeoutMs?: number, retries?: number, events?: string[], headers?: Record<string, string> }} WebhookOptions */

const EVENTS = ['started', 'succeeded', 'failed', 'rolled-back'];

/**
 * POST one JSON event, retrying connection errors, timeouts and 5xx with exponential backoff.
 * Returns the attempts made; throws after the last one fails.
 * @param {WebhookOptions} o @param {object} body
 */
async function post(o, body) {
  const retries = o.retries ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await fetch(o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'baton-plugin-webhook/0.1.0',
          ...(o.headers ?? {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs ?? 2000),
      });
      if (r.status < 500) {
        if (!r.ok) throw Object.assign(new Error(`the webhook answered HTTP ${r.status}`), { final: true });
        return attempt;
      }
      throw new Error(`the webhook answered HTTP ${r.status}`);
    } catch (err) {
      if (err.final || attempt > retries) throw Object.assign(err, { attempts: attempt });
      await new Promise((res) => setTimeout(res, 100 * 2 ** (attempt - 1)));
    }
  }
}

/** Where the webhook lives, without credentials or query (never logged in full: it may hold a token). */
const safeUrl = (url) => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
};

/** @type {import('baton').BatonPlugin} */
const plugin = {
  name: 'baton-plugin-webhook',
  version: '0.1.0',
  requires: '^0.1.0',
  apply(runner, { options, log }) {
    /** @type {WebhookOptions} */
    const o = /** @type {any} */ (options);
    if (typeof o.url !== 'string') throw new Error("option 'url' is required (the webhook to POST to)");
    const wanted = new Set(o.events ?? EVENTS);

    // A notification never fails a deploy: it is reported and the pipeline carries on.
    const notify = async (event, ctx, extra = {}) => {
      if (!wanted.has(event)) return;
      const body = {
        event,
        recipe: ctx.recipe?.name,
        target: ctx.target?.description ?? ctx.recipe?.target?.kind,
        changes: (ctx.plan?.changes ?? [])
          .filter((c) => c.kind !== 'unchanged')
          .map((c) => ({ kind: c.kind, id: c.id })),
        at: new Date().toISOString(),
        ...extra,
      };
      try {
        const attempts = await post(o, body);
        log.info(`${event} sent to ${safeUrl(o.url)}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`);
      } catch (err) {
        log.warn(
          `could not notify ${safeUrl(o.url)} of '${event}' after ${err.attempts ?? 1} attempt(s): ${err.message}`,
        );
      }
    };

    // Stages are Baton's STAGE constants: PREPARE (-1000) runs before the deploy's own taps, AFTER (1000) after them.
    runner.hooks.apply.tapPromise(
      { name: 'baton-plugin-webhook', stage: -1000, title: 'Notify: deploy started' },
      (ctx) => notify('started', ctx),
    );
    runner.hooks.finalize.tapPromise(
      { name: 'baton-plugin-webhook', stage: 1000, title: 'Notify: deploy succeeded' },
      (ctx) => notify('succeeded', ctx),
    );
    runner.hooks.failed.tapPromise({ name: 'baton-plugin-webhook', title: 'Notify: deploy failed' }, (ctx, error) =>
      notify(error.code === 'BATON_ROLLED_BACK' ? 'rolled-back' : 'failed', ctx, {
        error: { code: error.code, message: error.message },
      }),
    );
  },
};

export default plugin;
