import type { PipelineContext } from './context.js';
import { durationSchema, durationSeconds } from './duration.js';

export type OnFailure = 'rollback' | 'pause' | 'leave';

/** How a deploy waits and what it does when it fails: flags > the recipe's `deploy` section > defaults. */
export interface DeploySettings {
  /** Deadline for the whole deploy. */
  timeoutSeconds: number;
  /** Fail when the deployment makes no progress (no new instance turns healthy) for this long. */
  progressDeadlineSeconds: number;
  /** Fail when a new instance is not healthy (and ready) this long after it was first scheduled. */
  healthyDeadlineSeconds: number;
  /** rollback: back to the last version that deployed successfully; pause: stop the deployment where it is; leave: let it carry on. */
  onFailure: OnFailure;
}

/** Documented in docs/cli.md; chosen like Nomad's (healthy 5 min, progress 10 min). */
export const DEPLOY_DEFAULTS: Readonly<DeploySettings> = Object.freeze({
  timeoutSeconds: 900,
  progressDeadlineSeconds: 600,
  healthyDeadlineSeconds: 300,
  onFailure: 'rollback',
});

export const DEPLOY_SECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description: 'Deadlines and failure handling of `baton deploy` (flags override).',
  properties: {
    timeoutSeconds: durationSchema(`Deadline for the whole deploy (default ${DEPLOY_DEFAULTS.timeoutSeconds}).`),
    progressDeadlineSeconds: durationSchema(
      `Fail after this long without progress (default ${DEPLOY_DEFAULTS.progressDeadlineSeconds}).`,
    ),
    healthyDeadlineSeconds: durationSchema(
      `Fail when a new instance is not healthy this long after it was scheduled (default ${DEPLOY_DEFAULTS.healthyDeadlineSeconds}).`,
    ),
    onFailure: {
      type: 'string',
      enum: ['rollback', 'pause', 'leave'],
      description: 'What to do when a deploy fails after it started (default rollback).',
    },
  },
};

export function deploySettings(ctx: Pick<PipelineContext, 'options' | 'raw'>): DeploySettings {
  const r = (typeof ctx.raw.deploy === 'object' && ctx.raw.deploy !== null ? ctx.raw.deploy : {}) as Record<
    string,
    unknown
  >;
  const o = ctx.options;
  // The recipe's values were checked by the schema (seconds, or `30s`-style text).
  const fromRecipe = (k: keyof DeploySettings) => durationSeconds(r[k]);
  return {
    timeoutSeconds:
      o.timeoutMs !== undefined ? o.timeoutMs / 1000 : (fromRecipe('timeoutSeconds') ?? DEPLOY_DEFAULTS.timeoutSeconds),
    progressDeadlineSeconds:
      (o.progressDeadlineSeconds as number | undefined) ??
      fromRecipe('progressDeadlineSeconds') ??
      DEPLOY_DEFAULTS.progressDeadlineSeconds,
    healthyDeadlineSeconds:
      (o.healthyDeadlineSeconds as number | undefined) ??
      fromRecipe('healthyDeadlineSeconds') ??
      DEPLOY_DEFAULTS.healthyDeadlineSeconds,
    onFailure: o.onFailure ?? (r.onFailure as OnFailure | undefined) ?? DEPLOY_DEFAULTS.onFailure,
  };
}
