/**
 * The step table (semantic-release style): one row per phase of a deploy pipeline, in order.
 * - dryRun: the phase also runs for `validate`/`plan` (it must not change anything anywhere).
 * - settleAll: every tap runs even when one fails; all errors are reported together.
 * - required: `deploy` fails with BATON_NO_TARGET when no plugin taps it.
 * docs/hooks.md describes each phase; test/core/docs.test.ts keeps the two in step.
 */
export const PHASES = [
  'loadRecipe',
  'normalize',
  'validate',
  'plan',
  'preflight',
  'apply',
  'wait',
  'verify',
  'finalize',
] as const;
export type Phase = (typeof PHASES)[number];

export interface StepRow {
  phase: Phase;
  dryRun: boolean;
  settleAll: boolean;
  required: boolean;
  description: string;
}

export const STEPS: readonly StepRow[] = Object.freeze([
  {
    phase: 'loadRecipe',
    dryRun: true,
    settleAll: false,
    required: false,
    description: 'Transform the raw recipe object after it is read (waterfall: return a new object or nothing).',
  },
  {
    phase: 'normalize',
    dryRun: true,
    settleAll: false,
    required: false,
    description: "Fill defaults and translate deprecated fields (core does Marathon's normalisation first).",
  },
  {
    phase: 'validate',
    dryRun: true,
    settleAll: true,
    required: false,
    description: 'Report problems with ctx.issues; every plugin runs and all findings are shown at once.',
  },
  {
    phase: 'plan',
    dryRun: true,
    settleAll: false,
    required: false,
    description: 'Resolve the target and work out what would change (core diffs first; plugins annotate).',
  },
  {
    phase: 'preflight',
    dryRun: true,
    settleAll: true,
    required: false,
    description: 'Read-only checks that the deploy can work (target reachable, images present, capacity).',
  },
  { phase: 'apply', dryRun: false, settleAll: false, required: true, description: 'Make the changes on the target.' },
  {
    phase: 'wait',
    dryRun: false,
    settleAll: false,
    required: false,
    description: 'Wait for the deployment to finish, within its deadlines.',
  },
  {
    phase: 'verify',
    dryRun: false,
    settleAll: true,
    required: false,
    description: 'Check the result (smoke tests); a failure here fails the deploy and may roll back.',
  },
  {
    phase: 'finalize',
    dryRun: false,
    settleAll: false,
    required: false,
    description: 'Record the outcome (history, notifications).',
  },
]);

export function stepOf(phase: Phase): StepRow {
  return STEPS.find((s) => s.phase === phase)!;
}

/** The phases a run goes through: up to `until`, skipping non-dry-run phases when dry. */
export function phasesFor(until: Phase, dryRun: boolean): StepRow[] {
  const last = PHASES.indexOf(until);
  return STEPS.filter((s) => PHASES.indexOf(s.phase) <= last && (!dryRun || s.dryRun));
}
