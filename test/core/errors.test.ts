import { describe, expect, it } from 'vitest';
import { BatonError, EXIT, STAGE, definePlugin } from '../../core/index.js';
import { emptyTarget, input, recordingRunner as rr, sleepApp } from '../helpers/runner.js';

const recordingRunner = (plugins: Parameters<typeof rr>[0] = []) => rr([emptyTarget, ...plugins]);

const deployRun = (raw = { apps: [sleepApp] }) => input(raw, { command: 'deploy', until: 'finalize', dryRun: false });

describe('error stamping', () => {
  it('stamps a plain error escaping a plugin with plugin, hook and a stable code, keeping its own code', async () => {
    const boom = definePlugin({
      name: 'boom',
      apply: (r) =>
        r.hooks.apply.tapPromise('boom', async () => {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }),
    });
    const { runner, events } = recordingRunner([boom]);
    const res = await runner.run(deployRun());
    expect(res.ok).toBe(false);
    expect(res.error).toMatchObject({
      code: 'BATON_PLUGIN_FAILED',
      plugin: 'boom',
      hook: 'apply',
      pluginCode: 'ECONNRESET',
      message: 'socket hang up',
    });
    expect(res.exitCode).toBe(EXIT.INTERNAL);
    const stageEnd = events.find((e) => e.type === 'stage:end' && e.status === 'failed');
    expect(stageEnd).toMatchObject({
      phase: 'apply',
      plugin: 'boom',
      error: { code: 'BATON_PLUGIN_FAILED', plugin: 'boom', hook: 'apply' },
    });
  });

  it('keeps a BatonError code and adds plugin and hook', async () => {
    const p = definePlugin({
      name: 'waiter',
      apply(r) {
        r.hooks.apply.tap('waiter', () => {});
        r.hooks.wait.tap('waiter', () => {
          throw new BatonError('BATON_TIMEOUT', 'deployment did not finish in 5s');
        });
      },
    });
    const { runner } = recordingRunner([p]);
    const res = await runner.run(deployRun());
    expect(res.error).toMatchObject({ code: 'BATON_TIMEOUT', plugin: 'waiter', hook: 'wait' });
    expect(res.exitCode).toBe(EXIT.TIMEOUT);
  });

  it('stamps errors thrown synchronously by tap (not tapPromise) and by tapAsync callbacks', async () => {
    const p = definePlugin({
      name: 'cb',
      apply(r) {
        r.hooks.apply.tapAsync('cb', (_ctx, done) => done(new Error('callback failure')));
      },
    });
    const { runner } = recordingRunner([p]);
    const res = await runner.run(deployRun());
    expect(res.error).toMatchObject({
      code: 'BATON_PLUGIN_FAILED',
      plugin: 'cb',
      hook: 'apply',
      message: 'callback failure',
    });
  });

  it('settle-all phases run every tap and report all failures together', async () => {
    const ran: string[] = [];
    const mk = (name: string, fail: boolean) =>
      definePlugin({
        name,
        apply: (r) =>
          r.hooks.preflight.tap(name, () => {
            ran.push(name);
            if (fail) throw new Error(`${name} is not ready`);
          }),
      });
    const { runner } = recordingRunner([mk('a', true), mk('b', false), mk('c', true)]);
    const res = await runner.run(input({ apps: [sleepApp] }, { command: 'plan', until: 'preflight' }));
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(res.error?.message).toContain('2 plugins failed in preflight');
    expect((res.error?.data?.errors as { plugin: string }[]).map((e) => e.plugin)).toEqual(['a', 'c']);
  });

  it('always calls failed with the error, and a failing failed-handler never hides it', async () => {
    const got: string[] = [];
    const p = definePlugin({
      name: 'notifier',
      apply(r) {
        r.hooks.apply.tap('notifier', () => {
          throw new BatonError('BATON_DEPLOY_FAILED', 'tasks crashed');
        });
        r.hooks.failed.tap('notifier', (_ctx, err) => {
          got.push(err.code);
          throw new Error('webhook down');
        });
        r.hooks.failed.tap(
          { name: 'notifier', stage: STAGE.REPORT },
          (_ctx, err) => void got.push('second:' + err.code),
        );
      },
    });
    const { runner } = recordingRunner([p]);
    const res = await runner.run(deployRun());
    expect(got).toEqual(['BATON_DEPLOY_FAILED', 'second:BATON_DEPLOY_FAILED']);
    expect(res.error?.code).toBe('BATON_DEPLOY_FAILED');
    expect(res.exitCode).toBe(EXIT.DEPLOY_FAILED);
  });

  it('rolls back when apply started and reports ROLLED_BACK, never success', async () => {
    const p = definePlugin({
      name: 'target',
      apply(r) {
        r.hooks.apply.tap('target', () => {});
        r.hooks.wait.tap('target', () => {
          throw new BatonError('BATON_TIMEOUT', 'not healthy within 30s');
        });
        r.hooks.rollback.tap('target', () => {});
      },
    });
    const { runner } = recordingRunner([p]);
    const res = await runner.run(deployRun());
    expect(res.error?.code).toBe('BATON_ROLLED_BACK');
    expect(res.exitCode).toBe(EXIT.ROLLED_BACK);
    const res2 = await recordingRunner([{ ...p, name: 'target2' }]).runner.run({
      ...deployRun(),
      options: { onFailure: 'leave' },
    });
    expect(res2.exitCode).toBe(EXIT.TIMEOUT);
  });

  it('deploy without any plugin that applies fails with BATON_NO_TARGET', async () => {
    const { runner } = recordingRunner();
    const res = await runner.run(deployRun());
    expect(res.error?.code).toBe('BATON_NO_TARGET');
    expect(res.exitCode).toBe(EXIT.INVALID_INPUT);
  });

  it('a run deadline aborts with BATON_TIMEOUT and the exit code for timeouts', async () => {
    const p = definePlugin({
      name: 'slow',
      apply(r) {
        r.hooks.apply.tap('slow', () => {});
        r.hooks.wait.tapPromise(
          'slow',
          (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
        );
      },
    });
    const { runner } = recordingRunner([p]);
    const res = await runner.run({ ...deployRun(), options: { timeoutMs: 50, onFailure: 'leave' } });
    expect(res.error?.code).toBe('BATON_TIMEOUT');
    expect(res.exitCode).toBe(EXIT.TIMEOUT);
  });
});
