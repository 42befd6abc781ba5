import type { CommandModule } from 'yargs';
import { BatonError, definePlugin, toBatonError, reportEarlyError } from '../../core/index.js';
import { attachLb } from './attach.js';
import { renderConfig } from './config.js';
import { haproxyInstalled } from './haproxy.js';
import { attachL4 } from './l4.js';
import type { LbApp } from './model.js';
import { checkLabels } from './rules.js';
import { buildServices } from './services.js';

export const PLUGIN = 'marathon-lb';

/**
 * The embedded LB's settings from the environment of the engine: BATON_LB_GROUPS (default
 * "external"), BATON_LB_PORTS ("http,appid,stats,https", default "80,9091,9090,443"),
 * BATON_LB_SSL_CERTS (PEM files; default: a self-signed certificate made on first start), BATON_LB_STATS_BIND
 * (default 127.0.0.1; anything else needs BATON_LB_STATS_AUTH=user:password, or stays on loopback).
 */
export function lbSettings(env: NodeJS.ProcessEnv, log?: { warn(m: string): void }) {
  const [http, appId, stats, https] = (env.BATON_LB_PORTS ?? '80,9091,9090,443').split(',').map(Number);
  const auth = env.BATON_LB_STATS_AUTH?.split(':');
  let statsBind = env.BATON_LB_STATS_BIND ?? '127.0.0.1';
  if (!statsBind.startsWith('127.') && !(auth && auth.length === 2)) {
    log?.warn(
      `the HAProxy stats page stays on 127.0.0.1: binding ${statsBind} needs BATON_LB_STATS_AUTH=user:password`,
    );
    statsBind = '127.0.0.1';
  }
  return {
    groups: (env.BATON_LB_GROUPS ?? 'external')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
    statsBind,
    ...(auth && auth.length === 2 ? { statsAuth: { user: auth[0], password: auth[1] } } : {}),
    healthCheck: true,
    strict: false,
    ports: { http, appId, stats, https: https || 443 },
    ...(env.BATON_LB_DEBUG_LOG ? { requestLog: true } : {}),
    ...(env.BATON_LB_SSL_CERTS
      ? {
          certs: env.BATON_LB_SSL_CERTS.split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        }
      : {}),
  };
}

/** Plugin options `ports`, `groups`, `statsBind`, `statsAuth` as the BATON_LB_* variables they stand for. */
function optionEnv(o: Record<string, unknown>): Record<string, string> {
  const names: Record<string, string> = {
    ports: 'BATON_LB_PORTS',
    groups: 'BATON_LB_GROUPS',
    statsBind: 'BATON_LB_STATS_BIND',
    statsAuth: 'BATON_LB_STATS_AUTH',
  };
  return Object.fromEntries(
    Object.entries(names).flatMap(([k, v]) => (typeof o[k] === 'string' ? [[v, o[k] as string]] : [])),
  );
}

/**
 * marathon-lb's HAProxy configuration from app labels (marathon-lb-semantics.md §1): `HAPROXY_*` labels are
 * checked in every recipe, and `baton lb config` prints the configuration marathon-lb would run for
 * the target's apps, in directives valid on HAProxy 2.6. (Running HAProxy on the public agent,
 * reloads and the blue-green and canary strategies build on this.)
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  dependsOn: ['marathon', 'engine'],
  // When the vip plugin is loaded, HAProxy carries its VIPs too (faster than its Node proxy).
  after: ['vip'],
  apply(runner, { log, options }) {
    // Options (for an engine built in-process: the test harness, embedders) take the place of the environment.
    const env = { ...process.env, ...optionEnv(options) };
    if (runner.hasHooks('vip')) {
      runner
        .hooksOf('vip')
        .dataplane.tapPromise(PLUGIN, async (source, engine) =>
          process.env.BATON_VIP_DATAPLANE !== 'node' && (await haproxyInstalled())
            ? attachL4(engine, source, log)
            : undefined,
        );
    }
    runner.hooksOf('engine').started.tap(PLUGIN, (engine) => {
      void (async () => {
        if (!(await haproxyInstalled())) {
          engine.addStatusSection('marathon-lb', () => ({
            summary: ['not running: no haproxy on this machine (apt-get install haproxy)'],
          }));
          return;
        }
        attachLb(engine, lbSettings(env, log), log);
      })();
    });

    runner.hooks.validate.tap({ name: PLUGIN, title: 'HAPROXY_* labels' }, (ctx) => {
      for (const { spec, path } of ctx.recipe.apps) {
        for (const f of checkLabels(spec)) {
          const at = ctx.issues.at(...path);
          if (f.severity === 'error') at.error(['labels', f.label], f.rule, f.message);
          else at.warn(['labels', f.label], f.rule, f.message);
        }
      }
    });

    const client = runner.hooksOf('marathon').client;
    runner.hooks.commands.tap(PLUGIN, (reg) => {
      const cmd: CommandModule<
        object,
        {
          action: string;
          recipe?: string;
          group: string[];
          bind: string;
          strict: boolean;
          'health-check': boolean;
          'ssl-certs'?: string;
          json?: boolean;
        }
      > = {
        command: 'lb <action>',
        describe: "Print the HAProxy configuration marathon-lb would generate for the target's apps",
        builder: (y) =>
          y
            .positional('action', { choices: ['config'] as const, demandOption: true, type: 'string' })
            .option('group', {
              type: 'string',
              array: true,
              default: ['external'],
              describe: 'LB groups served (HAPROXY_GROUP); * = every app',
            })
            .option('bind', {
              type: 'string',
              default: '127.0.2.1',
              describe: 'Address of the public agent the LB runs on',
            })
            .option('strict', {
              type: 'boolean',
              default: false,
              describe: 'Serve only ports with HAPROXY_{n}_ENABLED=true',
            })
            .option('ssl-certs', {
              type: 'string',
              describe: 'PEM files for the 443 frontend, comma-separated (none: no 443 frontend)',
            })
            .option('health-check', {
              type: 'boolean',
              default: true,
              describe: 'Only tasks whose Marathon health check passes',
            })
            .option('recipe', { type: 'string', describe: "Use this recipe's target" }),
        handler: async (a) => {
          try {
            const api = await client.promise(a.recipe);
            if (!api) throw new BatonError('BATON_NO_TARGET', 'no plugin can reach the target');
            const { apps } = await api.request<{ apps: LbApp[] }>('GET', '/v2/apps?embed=apps.tasks');
            const certs = a['ssl-certs']?.split(',').filter(Boolean);
            const options = {
              groups: a.group,
              bindAddr: a.bind,
              statsBind: '127.0.0.1',
              healthCheck: a['health-check'],
              strict: a.strict,
              runDir: '/var/run/baton-lb',
              ...(certs?.length ? { certs } : {}),
            };
            reg.io.stdout.write(renderConfig(buildServices(apps, options), options));
          } catch (err) {
            reg.exit(reportEarlyError(toBatonError(err), { io: reg.io, json: a.json }));
          }
        },
      };
      reg.add(cmd);
    });
  },
});
