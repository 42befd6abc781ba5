/**
 * Baton core: the one public entry. Plugins (built-in and third-party) import only from here.
 */
export { Runner, type RunInput, type RunResult, type TapInfo } from './runner.js';
export type { PluginContracts, Contract, ContractOwner, HooksOf } from './contracts.js';
export {
  createRunnerHooks,
  type RunnerHooks,
  type TapExtra,
  type CommandRegistry,
  type PhaseHookName,
} from './hooks.js';
export { STAGE } from './stages.js';
export { PHASES, STEPS, phasesFor, stepOf, type Phase, type StepRow } from './steps.js';
export { definePlugin, checkPlugin, type BatonPlugin, type PluginTools } from './plugin.js';
export { usePlugins, loadPlugin } from './plugin-loader.js';
export { isContext, type PipelineContext, type RunOptions } from './context.js';
export {
  BatonError,
  deadlineSignal,
  isBatonError,
  stampError,
  toBatonError,
  type BatonErrorOptions,
} from './errors.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export {
  Issues,
  pointer,
  marathonPath,
  parsePointer,
  sortIssues,
  schemaIssues,
  compileSchema,
  suggest,
  type Issue,
  type JsonPath,
  type Severity,
} from './validation.js';
export { Reporter, createLogger, type BatonEvent, type TimedEvent, type Logger } from './report/events.js';
export {
  chooseRenderer,
  attachRenderer,
  type RendererName,
  type RenderTarget,
  type RunView,
} from './report/renderers.js';
export { formatError, formatIssue, formatPlan, palette } from './report/format.js';
export { redactSecrets, secretValues, SECRET_NAME } from './report/secrets.js';
export { loadRecipeFile, SEARCH_PLACES, MODULE_NAME, type LoadedRecipe } from './recipe/load.js';
export { buildRecipe, parseTarget } from './recipe/build.js';
export { toRecipeShape, type RawRecipe } from './recipe/shape.js';
export { baseRecipeSchema, RECIPE_SCHEMA_ID, type JsonSchema } from './recipe/schema.js';
export type { Recipe, Located, RecipeGroup, TargetSpec, PluginSetting } from './recipe/types.js';
export { computePlan, hasChanges, owned, type Plan, type PlanChange } from './plan.js';
export { dropNulls } from './core-taps.js';
export { RECIPE_LABEL, type ClusterPort, type ClusterState, type InstanceEndpoint } from './cluster.js';
export {
  DEPLOY_DEFAULTS,
  DEPLOY_SECTION_SCHEMA,
  deploySettings,
  type DeploySettings,
  type OnFailure,
} from './deploy-settings.js';
export * from './marathon/types.js';
export { canonicalId, parentId, isChildOf, idProblems, idToTaskPrefix, podContainerTaskId } from './marathon/ids.js';
export { dependencyTargets, findDependencyCycle, type DependencyNode } from './marathon/dependencies.js';
export { normalizeApp, HEALTH_DEFAULTS } from './marathon/normalize-app.js';
export { validateApp, residentUpdateIssues } from './marathon/validate-app.js';
export { normalizePod, validatePod } from './marathon/pod.js';
export {
  classifyAppChange,
  classifyPodChange,
  stableJson,
  withAssignedServicePorts,
  type ChangeKind,
} from './marathon/change.js';
export { APP_SCHEMA, POD_SCHEMA, GROUP_SCHEMA } from './marathon/schema.js';
export { main, type CliEnv, type CliContext } from './cli/main.js';
export {
  runPipelineCommand,
  reportEarlyError,
  type PipelineCommandInput,
  type OutputOptions,
} from './cli/pipeline-command.js';
export { CORE_VERSION, PACKAGE_ROOT } from './version.js';
export { serialized } from './serialized.js';
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
