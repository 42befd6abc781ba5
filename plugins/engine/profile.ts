import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/**
 * CPU profiles of the engine daemon on demand, for performance work (docs/performance.md): with
 * `BATON_ENGINE_PROFILE=<dir>`, each SIGUSR2 starts a profile, the next one writes it to
 * `<dir>/engine-<pid>-<n>.cpuprofile` (open it in Chrome's DevTools). `--cpu-prof` cannot be given
 * to a daemon through NODE_OPTIONS, and a profile of one window (an idle minute) is what is wanted.
 */
export function profileOnSignal(dir = process.env.BATON_ENGINE_PROFILE): void {
  if (!dir) return;
  let session: Session | undefined;
  let n = 0;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!session) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 1000 });
        await session.post('Profiler.start');
        return;
      }
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      writeFileSync(path.join(dir, `engine-${process.pid}-${++n}.cpuprofile`), JSON.stringify(profile));
    })();
  });
}
