import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestEngine, until } from '../helpers/engine.js';

describe("an app's last task failure (Marathon's TaskFailure)", () => {
  it('is kept across an engine restart, and goes with the app when it is deleted', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'baton-task-failure-'));
    try {
      const first = await startTestEngine({ stateDir });
      await first.api('POST', '/v2/apps', {
        id: '/fails',
        cmd: 'exit 4',
        instances: 1,
        cpus: 0.01,
        mem: 16,
        backoffSeconds: 60,
      });
      const failure = await until(
        async () => (await first.api('GET', '/v2/apps/fails')).body.app.lastTaskFailure,
        10_000,
        'the failure',
      );
      expect(failure).toMatchObject({ appId: '/fails', state: 'TASK_FAILED', message: 'exited with code 4' });
      await first.close();

      const second = await startTestEngine({ stateDir });
      expect((await second.api('GET', '/v2/apps/fails')).body.app.lastTaskFailure).toEqual(failure);
      await second.api('DELETE', '/v2/apps/fails?force=true');
      await second.settle();
      // The same id again: a new app, with no failure of the old one's.
      await second.api('POST', '/v2/apps', { id: '/fails', cmd: 'sleep 100', instances: 1, cpus: 0.01, mem: 16 });
      expect((await second.api('GET', '/v2/apps/fails')).body.app.lastTaskFailure).toBeUndefined();
      await second.destroy();
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 30_000);
});
