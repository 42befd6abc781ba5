import { Reporter, Runner, type BatonPlugin, type RunInput, type TimedEvent } from '../../core/index.js';

/** A runner with the given plugins and a recorder of every event it emits. */
export function recordingRunner(plugins: BatonPlugin[] = []): { runner: Runner; events: TimedEvent[] } {
  const reporter = new Reporter();
  const events: TimedEvent[] = [];
  reporter.on((e) => events.push(e));
  const runner = new Runner({ reporter });
  for (const p of plugins) runner.use(p);
  return { runner, events };
}

export function input(raw: Record<string, unknown>, over: Partial<RunInput> = {}): RunInput {
  return { command: 'validate', until: 'validate', dryRun: true, raw, defaultName: 'test', ...over };
}

export const sleepApp = { id: '/sleep', cmd: 'sleep 1000', cpus: 0.1, mem: 16 };

/**
 * A target that holds nothing: lets core tests run the non-dry-run phases (apply, wait, ...)
 * whose taps the test itself provides. Engine and Marathon targets have their own tests.
 */
export const emptyTarget: BatonPlugin = {
  name: 'empty-target',
  apply(r) {
    r.hooks.resolveTarget.tap('empty-target', () => ({
      kind: 'empty',
      description: 'empty target',
      state: async () => ({ apps: [], pods: [] }),
    }));
  },
};
