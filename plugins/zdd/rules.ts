import { isResident, type PipelineContext } from '../../core/index.js';
import { altPortOf, servicePortOf, strategyOf } from './settings.js';

/**
 * Recipe checks for strategy apps (rule ids `strategy.*`, docs/recipes.md): what zdd needs
 * (a fixed service port, an alt port, an LB group), and what no traffic shift can do.
 */
export function checkStrategies(ctx: PipelineContext): void {
  const raw = (ctx.raw.strategies ?? {}) as Record<string, unknown>;
  const apps = new Map(ctx.recipe.apps.map((a) => [a.spec.id, a]));
  for (const id of Object.keys(raw)) {
    if (!apps.has(id)) ctx.issues.at('strategies').error([id], 'strategy.unknown-app', `no app ${id} in this recipe`);
  }
  for (const { spec, path } of ctx.recipe.apps) {
    const s = strategyOf(ctx.raw, spec.id);
    if (!s) continue;
    const at = ctx.issues.at(...path);
    const sp = servicePortOf(spec);
    if (!sp)
      at.error(
        ['portDefinitions', 0, 'port'],
        'strategy.service-port',
        `${s.type} needs a fixed first service port (HAProxy serves the app there; 0 lets Marathon pick one)`,
      );
    const alt = altPortOf(spec, s);
    if (alt === undefined || !Number.isInteger(alt) || alt < 1 || alt > 65535) {
      at.error(
        ['labels', 'HAPROXY_DEPLOYMENT_ALT_PORT'],
        'strategy.alt-port',
        `${s.type} needs a port for the other colour: the HAPROXY_DEPLOYMENT_ALT_PORT label or strategies["${spec.id}"].altPort`,
      );
    } else if (alt === sp) {
      at.error(
        ['labels', 'HAPROXY_DEPLOYMENT_ALT_PORT'],
        'strategy.alt-port',
        `the alt port must differ from the service port ${sp}`,
      );
    }
    if (!spec.labels?.HAPROXY_GROUP && !Object.keys(spec.labels ?? {}).some((k) => /^HAPROXY_0_GROUP$/.test(k))) {
      at.error(
        ['labels', 'HAPROXY_GROUP'],
        'strategy.lb-group',
        `${s.type} shifts traffic on marathon-lb: the app needs HAPROXY_GROUP (e.g. "external")`,
      );
    }
    if (isResident(spec)) {
      at.error(
        ['container', 'volumes'],
        'strategy.resident',
        `${s.type} runs two versions side by side, which an app with persistent volumes cannot (its data stays with its reservations); deploy it rolling`,
      );
    }
    if (s.type === 'canary') {
      s.steps.forEach((st, i) => {
        if (i > 0 && st.weight <= s.steps[i - 1].weight)
          ctx.issues
            .at('strategies', spec.id, 'steps', i)
            .error(
              ['weight'],
              'strategy.steps',
              `weights must grow from step to step (${s.steps[i - 1].weight} then ${st.weight})`,
            );
      });
    }
  }
}
