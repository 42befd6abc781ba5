import type { SyncHook } from 'tapable';
import { describe, expect, it } from 'vitest';
import { STAGE, definePlugin, type PipelineContext } from '../../core/index.js';
import { input, recordingRunner, sleepApp } from '../helpers/runner.js';

describe('hook ordering by stage', () => {
  it('runs taps in stage order whatever order plugins were registered in', async () => {
    const order: string[] = [];
    const late = definePlugin({
      name: 'late',
      apply(r) {
        r.hooks.validate.tap({ name: 'late', stage: STAGE.AFTER }, () => void order.push('late'));
        r.hooks.validate.tap(
          { name: 'late', stage: STAGE.PREPARE, title: 'late-but-early' },
          () => void order.push('late:prepare'),
        );
      },
    });
    const normal = definePlugin({
      name: 'normal',
      apply: (r) => r.hooks.validate.tap('normal', () => void order.push('normal')),
    });
    const report = definePlugin({
      name: 'report',
      apply: (r) => r.hooks.validate.tap({ name: 'report', stage: STAGE.REPORT }, () => void order.push('report')),
    });
    const { runner } = recordingRunner([report, late, normal]);
    const res = await runner.run(input({ apps: [sleepApp] }));
    expect(res.ok).toBe(true);
    expect(order).toEqual(['late:prepare', 'normal', 'late', 'report']);
    // Core's own stage runs first; tapsOf reports owners and stages in execution order.
    expect(runner.tapsOf('validate').map((t) => `${t.plugin}@${t.stage}`)).toEqual([
      `core@${STAGE.CORE}`,
      `late@${STAGE.PREPARE}`,
      'normal@0',
      `late@${STAGE.AFTER}`,
      `report@${STAGE.REPORT}`,
    ]);
  });

  it('runs phases in step-table order and only dry-run phases for plan', async () => {
    const seen: string[] = [];
    const spy = definePlugin({
      name: 'spy',
      apply(r) {
        for (const ph of [
          'normalize',
          'validate',
          'plan',
          'preflight',
          'apply',
          'wait',
          'verify',
          'finalize',
        ] as const) {
          r.hooks[ph].tap('spy', (ctx: PipelineContext) => void seen.push(`${ph}:${ctx.dryRun}`));
        }
      },
    });
    const { runner, events } = recordingRunner([spy]);
    const res = await runner.run(input({ apps: [sleepApp] }, { command: 'plan', until: 'finalize', dryRun: true }));
    expect(res.ok).toBe(true);
    expect(seen).toEqual(['normalize:true', 'validate:true', 'plan:true', 'preflight:true']);
    expect(events.filter((e) => e.type === 'phase:start').map((e) => (e as { phase: string }).phase)).toEqual([
      'loadRecipe',
      'normalize',
      'validate',
      'plan',
      'preflight',
    ]);
  });

  it('hooks object is frozen and taps outside apply() are refused', () => {
    const { runner } = recordingRunner();
    expect(Object.isFrozen(runner.hooks)).toBe(true);
    expect(() => runner.hooks.apply.tap('rogue', () => {})).toThrow(
      expect.objectContaining({ code: 'BATON_HOOKS_FROZEN' }),
    );
  });

  it('loadRecipe is a waterfall over the raw recipe', async () => {
    const subst = definePlugin({
      name: 'subst',
      apply: (r) => r.hooks.loadRecipe.tap('subst', (raw) => JSON.parse(JSON.stringify(raw).replace('${N}', '7'))),
    });
    const { runner } = recordingRunner([subst]);
    const res = await runner.run(input({ apps: [{ ...sleepApp, labels: { n: '${N}' } }] }));
    expect(res.ctx.recipe.apps[0].spec.labels.n).toBe('7');
  });

  it('plugins reach each other only through published hooks, declared in dependsOn', async () => {
    const { SyncHook: Hook } = await import('tapable');
    const owner = definePlugin({
      name: 'owner',
      apply(r) {
        const hooks = r.publishHooks('owner', { ping: new Hook<[string[]]>(['log']) });
        r.hooks.validate.tap('owner', () => {
          const log: string[] = [];
          hooks.ping.call(log);
          if (log.join() !== 'user') throw new Error('user did not tap');
        });
      },
    });
    const user = definePlugin({
      name: 'user',
      dependsOn: ['owner'],
      apply(r) {
        r.hooksOf('owner').ping.tap('user', (log) => void log.push('user'));
      },
    });
    // Registered before its dependency: the runner applies dependencies first.
    const { runner } = recordingRunner([user, owner]);
    const res = await runner.run(input({ apps: [sleepApp] }));
    expect(res.error).toBeUndefined();
  });
});

// The contracts of this file's plugins, declared as a third-party plugin declares its own
// (core/contracts.ts): 'owner' publishes `ping`, 'partner' nothing.
declare module '../../core/index.js' {
  interface PluginContracts {
    owner: { hooks: { ping: SyncHook<[string[]]> } };
    partner: { hooks: Record<string, never> };
  }
}
