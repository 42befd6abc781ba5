import type { CommandModule } from 'yargs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, canonicalId, loadRecipeFile, parseTarget, reportEarlyError, toBatonError, type CommandRegistry, type TargetSpec } from '../../core/index.js';

/** Where a target's Marathon API is (the marathon plugin resolves the embedded engine). */
export type Connect = (spec: TargetSpec) => Promise<{ url: string; token?: string } | undefined>;

interface GroupNode {
  id: string;
  dependencies: string[];
  version: string;
  apps: { id: string; instances: number; tasksRunning?: number; tasksHealthy?: number; dependencies: string[] }[];
  groups: GroupNode[];
}

/** `baton group show|versions|scale|rollback`: Marathon's /v2/groups from the command line. */
export function registerGroupCommands(reg: CommandRegistry, connect: Connect): void {
  const call = async (recipe: string | undefined, method: string, p: string, body?: unknown) => {
    const spec = recipe ? parseTarget((await loadRecipeFile(recipe)).raw.target) : parseTarget(undefined);
    const ep = spec.kind === 'marathon' && spec.url ? { url: spec.url, token: process.env.BATON_TOKEN } : await connect(spec);
    if (!ep) throw new BatonError('BATON_NO_TARGET', `no plugin can reach the ${spec.kind} target`);
    const r = await fetch(ep.url.replace(/\/$/, '') + p, {
      method, signal: AbortSignal.timeout(30_000),
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...(ep.token ? { authorization: `token=${ep.token}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }).catch((err: Error) => {
      throw new BatonError('BATON_TARGET_UNAVAILABLE', `Cannot reach ${ep.url}: ${err.message}`);
    });
    const json = (await r.json().catch(() => ({}))) as Record<string, unknown>;
    if (!r.ok) {
      const details = (json.details as { path: string; errors: string[] }[] | undefined)?.map((d) => `${d.path}: ${d.errors.join('; ')}`).join('\n');
      throw new BatonError(r.status === 404 || r.status === 422 ? 'BATON_BAD_ARGUMENT' : r.status === 409 ? 'BATON_DEPLOY_LOCKED' : 'BATON_DEPLOY_FAILED', `${method} ${p} → ${r.status}: ${String(json.message ?? '')}`, details ? { details } : {});
    }
    return json;
  };
  const waitFor = async (recipe: string | undefined, deploymentId: string, timeoutS: number) => {
    const end = Date.now() + timeoutS * 1000;
    for (;;) {
      const list = (await call(recipe, 'GET', '/v2/deployments')) as unknown as { id: string }[];
      if (!list.some((d) => d.id === deploymentId)) return;
      if (Date.now() > end) throw new BatonError('BATON_TIMEOUT', `deployment ${deploymentId} did not finish within ${timeoutS}s`);
      await sleep(500);
    }
  };
  const render = (g: GroupNode, depth = 0): string[] => {
    const pad = '  '.repeat(depth);
    const lines = [`${pad}${g.id}${g.dependencies.length ? `  (after ${g.dependencies.join(', ')})` : ''}`];
    for (const a of g.apps) lines.push(`${pad}  ${a.id}  ${a.tasksRunning ?? 0}/${a.instances} running${a.dependencies.length ? `  (after ${a.dependencies.join(', ')})` : ''}`);
    for (const s of g.groups) lines.push(...render(s, depth + 1));
    return lines;
  };

  type Args = { action: string; id: string; factor?: number; to?: string; recipe?: string; json?: boolean; wait?: boolean; timeout: number; force?: boolean };
  const cmd: CommandModule<object, any> = { // eslint-disable-line @typescript-eslint/no-explicit-any
    command: 'group <action> <id> [factor]',
    describe: 'App groups (/v2/groups): show | versions | scale <factor> | rollback --to <version>',
    builder: (y) => y
      .positional('action', { choices: ['show', 'versions', 'scale', 'rollback'] as const })
      .positional('id', { type: 'string', demandOption: true, describe: 'Group id, e.g. /shop' })
      .positional('factor', { type: 'number', describe: 'scale: multiply every app\'s instances (rounded up)' })
      .option('to', { type: 'string', describe: 'rollback: the group version (see `baton group versions`)' })
      .option('recipe', { type: 'string', describe: "Use this recipe's target" })
      .option('wait', { type: 'boolean', default: true, describe: 'scale/rollback: wait for the deployment' })
      .option('timeout', { type: 'number', default: 600, describe: 'Deadline in seconds when waiting' })
      .option('force', { type: 'boolean', default: false, describe: 'Override a deployment lock' }),
    handler: async (argv) => {
      const a = argv as unknown as Args;
      const out = (v: unknown, text: string) => void reg.io.stdout.write((a.json ? JSON.stringify(v) : text) + '\n');
      try {
        const id = canonicalId(a.id);
        const force = a.force ? '?force=true' : '';
        if (a.action === 'show') {
          const g = (await call(a.recipe, 'GET', `/v2/groups${id === '/' ? '' : id}?embed=group.groups&embed=group.apps&embed=group.apps.counts`)) as unknown as GroupNode;
          out(g, render(g).join('\n'));
          return;
        }
        if (a.action === 'versions') {
          const v = await call(a.recipe, 'GET', `/v2/groups${id === '/' ? '' : id}/versions`);
          out(v, (v as unknown as string[]).join('\n'));
          return;
        }
        if (a.action === 'scale' && !(typeof a.factor === 'number' && a.factor >= 0)) throw new BatonError('BATON_BAD_ARGUMENT', 'group scale needs a factor >= 0, e.g. `baton group scale /shop 2`');
        if (a.action === 'rollback' && !a.to) throw new BatonError('BATON_BAD_ARGUMENT', 'group rollback needs --to <version> (see `baton group versions`)');
        const body = a.action === 'scale' ? { scaleBy: a.factor } : { version: a.to };
        const ref = (await call(a.recipe, 'PUT', `/v2/groups${id === '/' ? '' : id}${force}`, body)) as { deploymentId: string; version: string };
        if (a.wait) await waitFor(a.recipe, ref.deploymentId, a.timeout);
        out({ type: `group-${a.action}`, id, ...ref }, `${id}: ${a.action === 'scale' ? `scaled by ${a.factor}` : `back at version ${a.to}`} (deployment ${ref.deploymentId}${a.wait ? ', finished' : ', started'})`);
      } catch (err) {
        reg.exit(reportEarlyError(toBatonError(err), { io: reg.io, json: a.json }));
      }
    },
  };
  reg.add(cmd);
}
