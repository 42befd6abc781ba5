import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Runner, type Contract } from '../../core/index.js';
import { defaultPlugins } from '../../bin/default-plugins.js';
import { ROOT } from '../helpers/cli.js';

/** Compile a project under test/fixtures with the repository's TypeScript; '' when it compiles. */
const compile = (project: string): string => {
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
};

/**
 * Contracts between plugins are declared once, by their owner (its contract.ts), and typed for
 * every consumer: `npm run typecheck` compiles this file, so each `@ts-expect-error` below is a
 * wrong use that must not compile (an unused directive is itself an error).
 */
describe('typed plugin contracts', () => {
  const runner = new Runner();
  for (const p of defaultPlugins()) runner.use(p);
  runner.applyPlugins();

  it("a consumer gets the publisher's hooks with their types; wrong uses do not compile", () => {
    const engine = runner.hooksOf('engine');
    expect(Object.keys(engine).sort()).toEqual(['placement', 'probes', 'runtimes', 'started', 'volumes']);
    // Never run: checked by the compiler only (taps are accepted only while plugins apply).
    const wrongUses = () => {
      // @ts-expect-error -- `started` hands the engine's extension API, which has no `drop`
      engine.started.tap('t', (api) => api.drop());
      // @ts-expect-error -- the extension API's instances are read-only to extensions
      engine.started.tap('t', (api) => api.instances.clear());
      // @ts-expect-error -- `runtimes` is called with a RuntimeRegistry, not a number
      engine.runtimes.call(42);
      // @ts-expect-error -- the marathon plugin's `client` bail hook is asked with a target name (a string)
      runner.hooksOf('marathon').client.tapPromise('t', async (target) => target.toFixed());
      // @ts-expect-error -- no plugin publishes a contract named 'nosuch'
      runner.hooksOf('nosuch');
    };
    expect(typeof wrongUses).toBe('function');
  });

  it('types a consumer names come from the contract, not from the owner’s files', () => {
    const agent: Contract<'engine'>['agent'] = {
      id: 'a',
      hostname: 'a',
      address: '127.0.1.9',
      role: '*',
      attributes: {},
      cpus: 1,
      mem: 64,
      disk: 64,
      ports: [31000, 31010],
    };
    expect(agent.address).toBe('127.0.1.9');
    // @ts-expect-error -- an agent's ports are a [first, last] pair
    const bad: Contract<'engine'>['agent'] = { ...agent, ports: 31000 };
    expect(bad).toBeDefined();
  });

  it('a hook asked for without its publisher loaded is a coded error naming it', () => {
    const bare = new Runner();
    bare.applyPlugins();
    expect(() => bare.hooksOf('engine')).toThrow(/no plugin published hooks named 'engine'/);
  });

  it("a third-party plugin gets the built-in contracts from the package's declarations ('baton/contracts')", () => {
    // Compiled against dist/ (what npm installs), not the sources: the declarations carry the contracts.
    expect(compile('test/fixtures/third-party-plugin/tsconfig.json')).toBe('');
    expect(compile('test/fixtures/third-party-plugin/tsconfig.bare.json')).toBe('');
  }, 60_000);
});
