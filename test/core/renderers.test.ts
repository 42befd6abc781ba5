import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Runner } from '../../core/index.js';
import { attachRenderer, chooseRenderer, type RenderTarget } from '../../core/internal.js';
import { input, sleepApp } from '../helpers/runner.js';

function target(isTTY: boolean, env: NodeJS.ProcessEnv = {}): RenderTarget & { out: () => string; err: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY });
  const stderr = Object.assign(new PassThrough(), { isTTY });
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += d));
  stderr.on('data', (d) => (e += d));
  return { stdout, stderr, env, out: () => o, err: () => e };
}

describe('renderer choice', () => {
  it('uses the listr2 tree only on a TTY without CI; plain lines otherwise; json when asked', () => {
    expect(chooseRenderer({}, target(true))).toBe('tty');
    expect(chooseRenderer({}, target(false))).toBe('plain');
    expect(chooseRenderer({}, target(true, { CI: 'true' }))).toBe('plain');
    expect(chooseRenderer({}, target(true, { CI: '1' }))).toBe('plain');
    expect(chooseRenderer({}, target(true, { CI: 'false' }))).toBe('tty');
    expect(chooseRenderer({ json: true }, target(true))).toBe('json');
    expect(chooseRenderer({ renderer: 'plain' }, target(true))).toBe('plain');
    expect(chooseRenderer({ renderer: 'auto' }, target(false))).toBe('plain');
  });

  it('plain renderer: progress on stderr, results on stdout, heartbeats throttled', async () => {
    const t = target(false, { NO_COLOR: '1' });
    const runner = new Runner();
    runner.use({
      name: 'chatty',
      apply(r: Runner) {
        r.hooks.validate.tap('chatty', (ctx) => {
          for (let i = 0; i < 50; i++) ctx.log.progress(`waiting ${i}`, '/web');
        });
      },
    });
    const view = attachRenderer('plain', runner, t);
    const res = await runner.run(input({ apps: [sleepApp] }));
    await view.finish({ error: res.error, recipe: 'test' });
    expect(t.out()).toContain('✔ Recipe test is valid');
    expect(t.err()).toContain('✔ [validate] chatty');
    expect(t.err().match(/waiting/g)).toHaveLength(1);
  });

  it('the listr2 view follows a run on a (forced) TTY and still prints the summary', async () => {
    const t = target(true, { NO_COLOR: '1' });
    const runner = new Runner();
    runner.use({
      name: 'step',
      apply: (r: Runner) => r.hooks.validate.tap({ name: 'step', title: 'Check things' }, () => {}),
    });
    const view = attachRenderer('tty', runner, t);
    const res = await runner.run(input({ apps: [sleepApp] }));
    await view.finish({ error: res.error, recipe: 'test' });
    expect(res.ok).toBe(true);
    expect(t.out()).toContain('✔ Recipe test is valid');
  });
});
