/**
 * Baton core's public entry (`baton`): the plugin-author API. Plugins — built-in and third-party —
 * import from here and from nowhere else in core; `internal.ts` is the CLI's and the test
 * harness's (not part of the API). docs/plugins.md lists what is here and what each part is for.
 */

// Plugins: the contract, the runner they tap, stages, typed contracts between plugins.
export { Runner, type RunInput, type RunResult, type TapInfo } from './runner.js';
export { definePlugin, type BatonPlugin, type PluginTools } from './plugin.js';
export type { RunnerHooks, TapExtra, CommandRegistry, PhaseHookName } from './hooks.js';
export { STAGE } from './stages.js';
export type { Phase } from './steps.js';
export type { PluginContracts, Contract, ContractOwner, HooksOf } from './contracts.js';
export { isContext, type PipelineContext, type RunOptions } from './context.js';

// Errors, exit codes, findings, logging.
export { BatonError, deadlineSignal, isBatonError, toBatonError, type BatonErrorOptions } from './errors.js';
export { Deadline, monotonicMs } from './clock.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export {
  Issues,
  pointer,
  parsePointer,
  marathonPath,
  compileSchema,
  schemaIssues,
  type Issue,
  type JsonPath,
  type Severity,
} from './validation.js';
export { redactSecrets, secretValues } from './report/secrets.js';
export {
  Reporter,
  createLogger,
  type AppSummary,
  type BatonEvent,
  type TimedEvent,
  type Logger,
} from './report/events.js';

// Commands a plugin adds to the CLI (CommandRegistry): its flags, the pipeline it runs, its errors.
export { durationFlag, numberFlag } from './cli/flags.js';
export {
  runPipelineCommand,
  reportEarlyError,
  type PipelineCommandInput,
  type OutputOptions,
} from './cli/pipeline-command.js';

// Recipes and the deploy settings every target honours.
export { loadRecipeFile, type LoadedRecipe } from './recipe/load.js';
export { parseTarget } from './recipe/build.js';
export { dropNulls } from './core-taps.js';
export type { Recipe, Located, RecipeGroup, TargetSpec, PluginSetting } from './recipe/types.js';
export type { RawRecipe } from './recipe/shape.js';
export type { JsonSchema } from './recipe/schema.js';
export type { Plan, PlanChange } from './plan.js';
export { owned } from './plan.js';
export {
  DEPLOY_DEFAULTS,
  DEPLOY_SECTION_SCHEMA,
  deploySettings,
  type DeploySettings,
  type OnFailure,
} from './deploy-settings.js';

// Marathon's language: its types, ids, normalisation and rules.
export * from './marathon/types.js';
export { canonicalId, parentId, isChildOf, idProblems, idToTaskPrefix, podContainerTaskId } from './marathon/ids.js';
export { dependencyTargets, findDependencyCycle, type DependencyNode } from './marathon/dependencies.js';
export { normalizeApp, HEALTH_DEFAULTS } from './marathon/normalize-app.js';
export { validateApp, residentUpdateIssues } from './marathon/validate-app.js';
export { normalizePod, validatePod } from './marathon/pod.js';
export { classifyAppChange, classifyPodChange, stableJson, type ChangeKind } from './marathon/change.js';
export { APP_SCHEMA, POD_SCHEMA } from './marathon/schema.js';

// The ports a target and a task runtime implement.
export { RECIPE_LABEL, type ClusterPort, type ClusterState, type InstanceEndpoint } from './cluster.js';
export { httpRequest, tlsAgent, type HttpInit, type HttpAnswer } from './http.js';
export type {
  AgentInfo,
  TaskLaunch,
  TaskHandle,
  TaskExit,
  TaskStatus,
  TaskRuntime,
  TerminalState,
  TaskVolume,
} from './runtime.js';

// Durations (`30s`, `5m`, `1h30m`, or seconds), as flags and recipes give them.
export { durationSeconds, formatDuration, durationSchema, DURATION_RULE } from './duration.js';

// Small shared pieces.
export { serialized } from './serialized.js';
export { CORE_VERSION, PACKAGE_ROOT } from './version.js';
