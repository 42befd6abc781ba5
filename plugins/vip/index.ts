import { AsyncSeriesBailHook } from 'tapable';
import { definePlugin } from '../../core/index.js';
import { attachVips, type Vips } from './attach.js';
import type { EngineApi } from './attach.js';
import type { L4Dataplane, L4Source } from './dataplane.js';
import { vipsOf } from './labels.js';

export const PLUGIN = 'vip';

/** `BATON_VIP_RANGE`: where named VIPs get their addresses (default 127.0.4.0/24, loopback). */
export const vipRange = (env = process.env) => env.BATON_VIP_RANGE ?? '127.0.4.0/24';
const L4LB_TTL = 5;

/**
 * VIPs as dcos-l4lb has them (marathon-lb-semantics.md §4): `VIP_n` port labels, named (`/name:port`, an
 * address from a loopback range, resolvable as `<name>.marathon.l4lb.thisdcos.directory`) or literal
 * (`ip:port`); one L4 TCP proxy per VIP over the running, healthy tasks behind it.
 */
export default definePlugin({
  name: PLUGIN,
  version: '0.1.0',
  dependsOn: ['engine', 'discovery'],
  apply(runner, { log }) {
    const hooks = runner.publishHooks(PLUGIN, {
      dataplane: new AsyncSeriesBailHook<[L4Source, EngineApi], L4Dataplane | undefined>(
        ['source', 'engine'],
        'vip.dataplane',
      ),
    });
    runner.hooks.validate.tap({ name: PLUGIN, title: 'VIP labels are well-formed' }, (ctx) => {
      for (const { spec, path } of ctx.recipe.apps) {
        const { vips, bad } = vipsOf(spec);
        for (const b of bad)
          ctx.issues
            .at(...path)
            .error(
              b.labelPath,
              'vip.label',
              `'${b.value}' is not a VIP: use "/name:port" (named) or "ip:port" (literal)`,
            );
        if (ctx.recipe.target.kind !== 'embedded') continue;
        for (const v of vips) {
          if (v.ip && !v.ip.startsWith('127.'))
            ctx.issues
              .at(...path)
              .error(
                v.labelPath,
                'vip.loopback',
                `the embedded engine serves VIPs on loopback only: ${v.ip} is not a 127.x address (use a named VIP, "/name:${v.port}")`,
              );
        }
      }
    });

    let vips: Vips | undefined;
    runner.hooksOf('engine').started.tap(PLUGIN, (engine) => {
      // No data plane offered (marathon-lb switched off, or no haproxy): the Node proxy.
      vips = attachVips(
        engine,
        vipRange(),
        log,
        hooks.dataplane.taps.length ? (source) => hooks.dataplane.promise(source, engine) : undefined,
      );
    });
    runner.hooksOf('discovery').records.tap(PLUGIN, (r) => {
      for (const v of vips?.list() ?? []) {
        if (!v.dnsName) continue;
        const list = r.a.get(v.dnsName) ?? [];
        if (!list.some((x) => x.address === v.address)) list.push({ address: v.address, ttl: L4LB_TTL });
        r.a.set(v.dnsName, list);
      }
    });
  },
});
