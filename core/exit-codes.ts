/**
 * Process exit codes. Stable: CI pipelines branch on them, so a code never changes meaning.
 * Documented in docs/cli.md; keep both in step (test/core/docs.test.ts checks).
 */
export const EXIT = Object.freeze({
  /** Everything asked for happened (for `plan`: nothing would change). */
  OK: 0,
  /** The deployment failed and nothing was rolled back (or rollback was switched off). */
  DEPLOY_FAILED: 1,
  /** The recipe or the command line is invalid; nothing was applied anywhere. */
  INVALID_INPUT: 2,
  /** `plan` only: the plan has changes (like `terraform plan -detailed-exitcode`). */
  PLAN_HAS_CHANGES: 3,
  /** The deployment failed and Baton rolled it back to the last good version. */
  ROLLED_BACK: 4,
  /** A deadline passed (deployment progress, healthy deadline, `--timeout`). */
  TIMEOUT: 5,
  /** The target could not be reached or refused us (engine down, auth, 5xx). */
  TARGET_UNAVAILABLE: 6,
  /** A bug or an unexpected failure inside Baton or a plugin. */
  INTERNAL: 70,
  /** Interrupted by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
