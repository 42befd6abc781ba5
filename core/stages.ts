/**
 * Named stages for ordering taps within a phase (lower runs first; equal stages keep registration
 * order). Plugins order themselves against these constants, never by list position or tapable's
 * `before` (which has open ordering bugs, tapable#135/#168). Leave gaps: a plugin may use
 * `STAGE.NORMAL + 10` to run just after the normal work.
 */
export const STAGE = Object.freeze({
  /** Core's own work others build on: schema check, normalisation, target resolution, the diff. */
  CORE: -10_000,
  /** Before the main work: e.g. pulling images before tasks start, opening ports. */
  PREPARE: -1_000,
  /** The main work of a phase (default for taps without a stage). */
  NORMAL: 0,
  /** After the main work: e.g. registering started tasks with a balancer. */
  AFTER: 1_000,
  /** Observers that only report or notify; they must not change the run. */
  REPORT: 10_000,
});
