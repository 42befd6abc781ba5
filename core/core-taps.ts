import { buildRecipe } from './recipe/build.js';
import { computePlan } from './plan.js';
import { residentUpdateIssues, validateApp } from './marathon/validate-app.js';
import { validatePod } from './marathon/pod.js';
import { STAGE } from './stages.js';
import { BatonError } from './errors.js';
import { schemaIssues } from './validation.js';
import type { ValidateFunction } from 'ajv';
import type { RunnerHooks } from './plugin-api.js';
import { secretValues } from './report/secrets.js';

/**
 * Core's own stages, registered as taps of plugin "core" at STAGE.CORE so that they show in
 * `baton hooks` and renderers like any plugin's: the recipe's schema check and Marathon
 * normalisation, Marathon's app/pod rules, and the plan diff against the resolved target.
 */
export function registerCoreTaps(hooks: RunnerHooks, schema: () => { validate: ValidateFunction }): void {
  hooks.normalize.tap(
    { name: 'core', stage: STAGE.CORE, title: 'Check the recipe schema and normalise (Marathon rules)' },
    (ctx) => {
      const { validate } = schema();
      // Marathon reads `null` as "absent" (its GET output is full of them): same here, so exported
      // definitions round-trip.
      for (const k of ['apps', 'pods', 'groups'])
        if (Array.isArray(ctx.raw[k])) ctx.raw = { ...ctx.raw, [k]: dropNulls(ctx.raw[k]) };
      // Unknown fields are errors unless the flag or the recipe says otherwise (the flag wins).
      const strict = ctx.options.strict ?? ctx.raw.strict !== false;
      schemaIssues(validate, ctx.raw, ctx.issues, strict);
      ctx.recipe = buildRecipe(ctx.raw, { file: ctx.recipe.file, defaultName: ctx.recipe.name }, ctx.issues);
      ctx.recipe.strict = strict;
      // Values of env vars that look secret (apps, pods and their containers) never reach any output (plan, logs, NDJSON).
      for (const v of secretValues(ctx.raw)) ctx.reporter.addSecret(v);
    },
  );

  hooks.validate.tap({ name: 'core', stage: STAGE.CORE, title: 'Marathon app and pod rules' }, (ctx) => {
    for (const { spec, path, raw } of ctx.recipe.apps) validateApp(spec, ctx.issues.at(...path), raw.id);
    for (const { spec, path, raw } of ctx.recipe.pods) validatePod(spec, ctx.issues.at(...path), raw.id);
  });

  hooks.plan.tapPromise({ name: 'core', stage: STAGE.CORE, title: 'Resolve the target and diff' }, async (ctx) => {
    const target = await hooks.resolveTarget.promise(ctx.recipe.target, ctx);
    if (target) {
      ctx.target = target;
      const state = await target.state(ctx.signal);
      ctx.plan = computePlan(ctx.recipe, state, target.description);
      // marathon-semantics.md §5.2: a resident app's reservations fix its resources and volumes (the target would refuse).
      const live = new Map(state.apps.map((a) => [a.id, a]));
      for (const { spec, path } of ctx.recipe.apps) {
        const cur = live.get(spec.id);
        if (cur) residentUpdateIssues(cur, spec, ctx.issues.at(...path));
      }
    } else if (ctx.dryRun) {
      ctx.plan = computePlan(ctx.recipe, { apps: [], pods: [] }, ctx.recipe.target.kind);
      ctx.plan.notes.push(
        `No plugin serves target '${ctx.recipe.target.kind}': its current state is unknown, so every spec is shown as created.`,
      );
    } else {
      throw new BatonError('BATON_NO_TARGET', `No plugin can deploy to target '${ctx.recipe.target.kind}'`);
    }
  });

  // After every plugin annotated the plan, publish it once.
  hooks.plan.tap({ name: 'core', stage: STAGE.REPORT, title: 'Report the plan' }, (ctx) => {
    if (ctx.plan) ctx.reporter.emit({ type: 'plan', plan: ctx.plan });
  });
}

/** Object properties whose value is null are removed, recursively (array items are kept). */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, dropNulls(x)]),
    );
  }
  return v;
}
