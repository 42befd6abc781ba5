import type { CommandModule } from 'yargs';
import {
  BatonError,
  canonicalId,
  toBatonError,
  type CommandRegistry,
  durationFlag,
  numberFlag,
  reportEarlyError,
} from '../../core/index.js';

/** A Marathon API client (the marathon plugin's, reached through its `client` hook). */
export interface MarathonApi {
  request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
  deploymentsGone(ids: string[], signal?: AbortSignal): Promise<void>;
}
export type Connect = (recipe: string | undefined) => Promise<MarathonApi | undefined>;

interface GroupNode {
  id: string;
  dependencies: string[];
  version: string;
  apps: { id: string; instances: number; tasksRunning?: number; tasksHealthy?: number; dependencies: string[] }[];
  groups: GroupNode[];
}

/** Wait until a deployment is gone from /v2/deployments, within `timeoutS`. */
async function waitFor(api: MarathonApi, deploymentId: string, timeoutS: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutS * 1000);
  await api.deploymentsGone([deploymentId], signal).catch((err) => {
    throw signal.aborted
      ? new BatonError('BATON_TIMEOUT', `deployment ${deploymentId} did not finish within ${timeoutS}s`)
      : err;
  });
}

/** `baton group show|versions|scale|rollback`: Marathon's /v2/groups from the command line. */
export function registerGroupCommands(reg: CommandRegistry, connect: Connect): void {
  const render = (g: GroupNode, depth = 0): string[] => {
    const pad = '  '.repeat(depth);
    const lines = [`${pad}${g.id}${g.dependencies.length ? `  (after ${g.dependencies.join(', ')})` : ''}`];
    for (const a of g.apps)
      lines.push(
        `${pad}  ${a.id}  ${a.tasksRunning ?? 0}/${a.instances} running${a.dependencies.length ? `  (after ${a.dependencies.join(', ')})` : ''}`,
      );
    for (const s of g.groups) lines.push(...render(s, depth + 1));
    return lines;
  };

  type Args = {
    action: string;
    id: string;
    factor?: number;
    to?: string;
    recipe?: string;
    json?: boolean;
    wait?: boolean;
    timeout: number;
    force?: boolean;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const cmd: CommandModule<object, any> = {
    command: 'group <action> <id> [factor]',
    describe: 'App groups (/v2/groups): show | versions | scale <factor> | rollback --to <version>',
    builder: (y) =>
      y
        .positional('action', { choices: ['show', 'versions', 'scale', 'rollback'] as const })
        .positional('id', { type: 'string', demandOption: true, describe: 'Group id, e.g. /shop' })
        .positional('factor', numberFlag('factor', "scale: multiply every app's instances (rounded up)", { min: 0 }))
        .option('to', { type: 'string', describe: 'rollback: the group version (see `baton group versions`)' })
        .option('recipe', { type: 'string', describe: "Use this recipe's target" })
        .option('wait', { type: 'boolean', default: true, describe: 'scale/rollback: wait for the deployment' })
        .option('timeout', durationFlag('timeout', 'Deadline when waiting', { default: 600 }))
        .option('force', { type: 'boolean', default: false, describe: 'Override a deployment lock' }),
    handler: async (argv) => {
      const a = argv as unknown as Args;
      const out = (v: unknown, text: string) => void reg.io.stdout.write((a.json ? JSON.stringify(v) : text) + '\n');
      try {
        const id = canonicalId(a.id);
        const api = await connect(a.recipe);
        if (!api) throw new BatonError('BATON_NO_TARGET', 'no plugin can reach the target');
        const at = id === '/' ? '' : id;
        const force = a.force ? '?force=true' : '';
        if (a.action === 'show') {
          const g = await api.request<GroupNode>(
            'GET',
            `/v2/groups${at}?embed=group.groups&embed=group.apps&embed=group.apps.counts`,
          );
          out(g, render(g).join('\n'));
          return;
        }
        if (a.action === 'versions') {
          const v = await api.request<string[]>('GET', `/v2/groups${at}/versions`);
          out(v, v.join('\n'));
          return;
        }
        if (a.action === 'scale' && !(typeof a.factor === 'number' && a.factor >= 0))
          throw new BatonError(
            'BATON_BAD_ARGUMENT',
            'group scale needs a factor >= 0, e.g. `baton group scale /shop 2`',
          );
        if (a.action === 'rollback' && !a.to)
          throw new BatonError(
            'BATON_BAD_ARGUMENT',
            'group rollback needs --to <version> (see `baton group versions`)',
          );
        const body = a.action === 'scale' ? { scaleBy: a.factor } : { version: a.to };
        const ref = await api.request<{ deploymentId: string; version: string }>(
          'PUT',
          `/v2/groups${at}${force}`,
          body,
        );
        if (a.wait) await waitFor(api, ref.deploymentId, a.timeout);
        out(
          { type: `group-${a.action}`, id, ...ref },
          `${id}: ${a.action === 'scale' ? `scaled by ${a.factor}` : `back at version ${a.to}`} (deployment ${ref.deploymentId}${a.wait ? ', finished' : ', started'})`,
        );
      } catch (err) {
        reg.exit(reportEarlyError(toBatonError(err), { io: reg.io, json: a.json }));
      }
    },
  };
  reg.add(cmd);
}
