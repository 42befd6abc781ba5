/**
 * What the CLI, the test harness and the built-in plugins use beyond the plugin API: the CLI shell,
 * pipeline commands, renderers, recipe loading, the step table, schemas. Not a stable API: third-party
 * plugins use `index.ts` (`baton`) only.
 */
export { createRunnerHooks } from './hooks.js';
export { durationFlag, numberFlag } from './cli/flags.js';
export { PHASES, STEPS, phasesFor, stepOf, type StepRow } from './steps.js';
export { checkPlugin } from './plugin.js';
export { usePlugins, loadPlugin } from './plugin-loader.js';
export { stampError } from './errors.js';
export { sortIssues, schemaIssues, compileSchema, suggest } from './validation.js';
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
export { toRecipeShape } from './recipe/shape.js';
export { baseRecipeSchema, RECIPE_SCHEMA_ID } from './recipe/schema.js';
export { computePlan, hasChanges } from './plan.js';
export { dropNulls } from './core-taps.js';
export { withAssignedServicePorts } from './marathon/change.js';
export { APP_SCHEMA, POD_SCHEMA, GROUP_SCHEMA } from './marathon/schema.js';
export { main, type CliEnv, type CliContext } from './cli/main.js';
export {
  runPipelineCommand,
  reportEarlyError,
  type PipelineCommandInput,
  type OutputOptions,
} from './cli/pipeline-command.js';
