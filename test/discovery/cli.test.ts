import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../core/index.js';
import { cliDaemon, ROOT } from '../helpers/cli.js';
import { until } from '../helpers/engine.js';

/** recipes/vip through the CLI and a real daemon: the client reaches the backends by the VIP's DNS name. */
describe('recipes/vip (CLI, real daemon)', () => {
  const cli = cliDaemon('baton-cli-vip-', ['recipes/vip'], { BATON_VIP_RANGE: '127.0.6.0/24' });
  const run = cli.run;

  it('deploys; the client finds the VIP by name and its calls rotate over the backends', async () => {
    expect(run(['deploy', path.join(ROOT, 'recipes/vip')]).code).toBe(EXIT.OK);
    const answers = await until(
      () => {
        const lines = run(['logs', '/vip/client'])
          .stdout.split('\n')
          .filter((l) => l.startsWith('via VIP '));
        return new Set(lines.map((l) => l.split('hello from ')[1])).size === 3 ? lines : undefined;
      },
      20_000,
      'answers from all three backends',
    );
    expect(answers[0]).toMatch(/^via VIP 127\.0\.6\.\d+:8080: hello from 127\.0\.1\.\d:\d+$/);
    const status = run(['status', '/vip/backend']).stdout;
    expect(status).toMatch(/^ {2}dns backend-vip\.marathon\.mesos, backend\.vip\.marathon\.mesos$/m);
    expect(status).toMatch(
      /^ {2}vip \/backend:8080 → 127\.0\.6\.\d+:8080 \(backend\.marathon\.l4lb\.thisdcos\.directory\)$/m,
    );
    expect(run(['engine', 'status']).stdout).toMatch(
      /^vips:\n {2}data plane: HAProxy pid \d+, \d+ reload\(s\)\n {2}\/backend:8080 → 127\.0\.6\.\d+:8080 .*: 127\.0\.1\.\d+:\d+ \(\d+ open\)/m,
    );
  }, 60_000);
});
