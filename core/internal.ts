/**
 * What only the CLI (bin/) and the test harness use beyond the plugin API: the CLI shell, the
 * renderers, building recipes, the step table, the group schema. Not an API: every plugin, built-in
 * or third-party, uses `index.ts` (`baton`) only.
 */
export { createRunnerHooks } from './hooks.js';
export { PHASES, STEPS, phasesFor, stepOf, type StepRow } from './steps.js';
export { checkPlugin } from './plugin.js';
export { usePlugins, loadPlugin } from './plugin-loader.js';
export { stampError } from './errors.js';
export { sortIssues, suggest } from './validation.js';
export {
  chooseRenderer,
  attachRenderer,
  type RendererName,
  type RenderTarget,
  type RunView,
} from './report/renderers.js';
export { formatError, formatIssue, formatPlan, palette } from './report/format.js';
export { SECRET_NAME } from './report/secrets.js';
export { SEARCH_PLACES, MODULE_NAME } from './recipe/load.js';
export { buildRecipe } from './recipe/build.js';
export { toRecipeShape } from './recipe/shape.js';
export { baseRecipeSchema, RECIPE_SCHEMA_ID } from './recipe/schema.js';
export { computePlan, hasChanges } from './plan.js';
export { withAssignedServicePorts } from './marathon/change.js';
export { GROUP_SCHEMA } from './marathon/schema.js';
export { main, type CliEnv, type CliContext } from './cli/main.js';
