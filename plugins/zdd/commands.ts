import type { CommandModule } from 'yargs';
import {
  BatonError,
  canonicalId,
  createLogger,
  toBatonError,
  Reporter,
  type CommandRegistry,
  durationFlag,
  reportEarlyError,
} from '../../core/index.js';
import { balancerFor } from './stats-balancer.js';
import { swap, swapBack, type SwapContext } from './blue-green.js';
import { abortCanary, promote } from './canary.js';
import { isHybrid, newestFirst, type Api, type LiveApp } from './colours.js';
import type { BlueGreen } from './settings.js';

export type Connect = (recipe: string | undefined) => Promise<Api | undefined>;

/** A running deploy refreshes its canary's heartbeat every analysis interval; older than this, nobody drives it. */
const STALE_MS = 15_000;

/**
 * `baton promote <app>` and `baton abort <app>`: finish or undo a blue-green or canary deploy. A
 * canary that a running `deploy` drives gets the command through marathon-lb's split (abort also
 * moves every new connection to the stable colour at once); with nobody driving it — the deploy
 * ended at a deadline or was killed — the command does the work itself.
 */
export function registerStrategyCommands(reg: CommandRegistry, connect: Connect): void {
  for (const action of ['promote', 'abort'] as const) {
    const cmd: CommandModule<object, { app: string; recipe?: string; timeout?: number; json?: boolean }> = {
      command: `${action} <app>`,
      describe:
        action === 'promote'
          ? 'Finish a blue-green or canary deploy now: all traffic to the new version, the old one drained and removed'
          : 'Undo a blue-green or canary deploy: all traffic back on the stable version, the new one drained and removed',
      builder: (y) =>
        y
          .positional('app', {
            type: 'string',
            demandOption: true,
            describe: 'The app id as in the recipe, e.g. /minitwit',
          })
          .option('recipe', { type: 'string', describe: "Use this recipe's target" })
          .option('timeout', durationFlag('timeout', 'Deadline', { default: 600 })),
      handler: async (a) => {
        const out = (v: Record<string, unknown>, text: string) =>
          void reg.io.stdout.write((a.json ? JSON.stringify(v) : text) + '\n');
        try {
          const id = canonicalId(a.app);
          const api = await connect(a.recipe);
          if (!api) throw new BatonError('BATON_NO_TARGET', 'no plugin can reach the target');
          const signal = AbortSignal.timeout((a.timeout ?? 600) * 1000);
          const { apps } = await api.request<{ apps: LiveApp[] }>('GET', '/v2/apps', undefined, signal);
          const colours = apps
            .filter((x) => x.labels?.HAPROXY_APP_ID === id && x.labels?.HAPROXY_DEPLOYMENT_GROUP)
            .sort(newestFirst);
          if (colours.length < 2)
            throw new BatonError(
              'BATON_NOT_FOUND',
              `no blue-green or canary deploy of ${id} is in progress (${colours.length ? `only ${colours[0].id} runs` : 'no colour of it runs'})`,
            );
          const [neu, old] = colours;
          const lb = balancerFor(api, neu.labels!.HAPROXY_DEPLOYMENT_GROUP);
          const state = await lb.state(signal);
          const note = state.split?.note;
          const driven = note?.strategy === 'canary' && Date.now() - (note.heartbeat ?? 0) < STALE_MS;
          if (driven) {
            // The deploy that runs the canary acts on it within an analysis interval; abort shifts traffic now.
            if (action === 'abort') await lb.split(neu.id, 0, { command: 'abort' }, signal);
            else await lb.split(state.split!.app, state.split!.percent, { command: 'promote' }, signal);
            out(
              { app: id, action, handedTo: note.pid ?? null },
              `${id}: ${action} handed to the running deploy${note.pid ? ` (pid ${note.pid})` : ''}${action === 'abort' ? '; new connections already go to ' + old.id : ''}`,
            );
            return;
          }
          const reporter = new Reporter();
          reporter.on(
            (e) => void (e.type === 'log' || e.type === 'progress' ? reg.io.stderr.write(`${e.message}\n`) : undefined),
          );
          const c: SwapContext = {
            api,
            lb,
            log: createLogger(reporter, 'zdd'),
            signal,
            waitFor: (ids) => api.deploymentsGone(ids, signal),
          };
          const target = Number(neu.labels?.HAPROXY_DEPLOYMENT_TARGET_INSTANCES ?? neu.instances);
          const drain = { drainTimeoutSeconds: 300, stepDelaySeconds: 1 };
          // A canary is weighted (a split) or, on a cluster, by instance count (zdd's hybrid labels).
          const weighted = Boolean(state.split || note);
          if (action === 'promote') {
            if (weighted || isHybrid(neu)) await promote(c, old.id, neu.id, target, drain);
            else
              await swap(c, old.id, neu.id, target, {
                type: 'blue-green',
                initialInstances: 1,
                linearIncrease: 0,
                ...drain,
              });
          } else if (weighted) {
            await abortCanary(c, neu.id, drain);
          } else {
            await swapBack(
              c,
              old.id,
              neu.id,
              Number(old.labels?.HAPROXY_DEPLOYMENT_TARGET_INSTANCES ?? old.instances),
              drain as BlueGreen,
            );
          }
          out(
            { app: id, action, serving: action === 'promote' ? neu.id : old.id },
            `${id}: ${action === 'promote' ? `${neu.id} serves it; ${old.id} removed` : `back on ${old.id}; ${neu.id} removed`}`,
          );
        } catch (err) {
          reg.exit(reportEarlyError(toBatonError(err), { io: reg.io, json: a.json }));
        }
      },
    };
    reg.add(cmd);
  }
}
