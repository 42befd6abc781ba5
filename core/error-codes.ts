import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * The one catalogue of error codes (fastify/semantic-release style). A code is stable once
 * released; the message may improve. `exit` maps the error to the process exit code.
 */
export const ERROR_CODES = Object.freeze({
  // recipes and input
  BATON_RECIPE_NOT_FOUND: { exit: EXIT.INVALID_INPUT, message: 'No recipe found' },
  BATON_RECIPE_UNREADABLE: { exit: EXIT.INVALID_INPUT, message: 'The recipe file could not be read or parsed' },
  BATON_RECIPE_INVALID: { exit: EXIT.INVALID_INPUT, message: 'The recipe is invalid' },
  BATON_BAD_ARGUMENT: { exit: EXIT.INVALID_INPUT, message: 'Invalid command-line argument' },
  BATON_CONFIG_INVALID: {
    exit: EXIT.INVALID_INPUT,
    message: 'A setting (environment variable, flag or recipe section) is refused',
  },
  BATON_NOT_FOUND: {
    exit: EXIT.INVALID_INPUT,
    message: 'The app, group, task or version named does not exist on the target',
  },
  // plugins
  BATON_PLUGIN_INVALID: { exit: EXIT.INVALID_INPUT, message: 'A plugin does not follow the plugin contract' },
  BATON_PLUGIN_DUPLICATE: { exit: EXIT.INVALID_INPUT, message: 'Two plugins have the same name' },
  BATON_PLUGIN_VERSION_MISMATCH: {
    exit: EXIT.INVALID_INPUT,
    message: "A plugin does not support this version of Baton's core",
  },
  BATON_PLUGIN_MISSING_DEPENDENCY: {
    exit: EXIT.INVALID_INPUT,
    message: 'A plugin depends on a plugin that is not loaded',
  },
  BATON_PLUGIN_NOT_FOUND: { exit: EXIT.INVALID_INPUT, message: 'A plugin named in the recipe could not be loaded' },
  BATON_PLUGIN_FAILED: { exit: EXIT.INTERNAL, message: 'A plugin failed' },
  BATON_HOOKS_FROZEN: { exit: EXIT.INTERNAL, message: 'Plugins may only tap hooks while they are applied' },
  // targets and deployments
  BATON_NO_TARGET: { exit: EXIT.INVALID_INPUT, message: 'No plugin can deploy to the requested target' },
  BATON_TARGET_UNAVAILABLE: { exit: EXIT.TARGET_UNAVAILABLE, message: 'The target cannot be reached' },
  BATON_DEPLOY_FAILED: { exit: EXIT.DEPLOY_FAILED, message: 'The deployment failed' },
  BATON_UNPLACEABLE: {
    exit: EXIT.DEPLOY_FAILED,
    message: 'Some instances cannot be placed (deploy with --allow-pending to let them wait)',
  },
  BATON_DEPLOY_LOCKED: { exit: EXIT.DEPLOY_FAILED, message: 'The app is locked by another deployment' },
  BATON_ROLLED_BACK: { exit: EXIT.ROLLED_BACK, message: 'The deployment failed and was rolled back' },
  BATON_NOTHING_TO_ROLL_BACK: {
    exit: EXIT.DEPLOY_FAILED,
    message: 'The deploy changed nothing, so there is nothing to roll back',
  },
  BATON_ANALYSIS_FAILED: {
    exit: EXIT.DEPLOY_FAILED,
    message: "The canary's analysis failed (error rate or response time over its threshold)",
  },
  BATON_ABORTED: { exit: EXIT.DEPLOY_FAILED, message: 'The deploy was aborted by an operator (baton abort)' },
  BATON_UNSUPPORTED: {
    exit: EXIT.INVALID_INPUT,
    message: 'The target cannot do what the recipe asks (nothing was changed)',
  },
  BATON_STATE_UNWRITABLE: {
    exit: EXIT.TARGET_UNAVAILABLE,
    message: 'The engine cannot write its state (disk full, read-only filesystem): nothing was changed',
  },
  BATON_STATE_DAMAGED: {
    exit: EXIT.TARGET_UNAVAILABLE,
    message: "The engine's state store is damaged or missing: restore a backup (baton engine restore)",
  },
  BATON_TIMEOUT: { exit: EXIT.TIMEOUT, message: 'A deadline passed' },
  BATON_INTERRUPTED: { exit: EXIT.INTERRUPTED, message: 'Interrupted' },
  BATON_INTERNAL: { exit: EXIT.INTERNAL, message: 'Internal error' },
} as const satisfies Record<string, { exit: ExitCode; message: string }>);

export type ErrorCode = keyof typeof ERROR_CODES;
