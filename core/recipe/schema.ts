import { APP_SCHEMA, GROUP_SCHEMA, POD_SCHEMA } from '../marathon/schema.js';
import { DEPLOY_SECTION_SCHEMA } from '../deploy-settings.js';
import { PLUGINS_SCHEMA } from './plugins.js';

export type JsonSchema = Record<string, unknown> & { properties: Record<string, unknown> };

export const RECIPE_SCHEMA_ID = 'https://baton.dev/schema/recipe.json';

/**
 * The recipe schema core owns. Plugins add their sections (engine settings, strategies, ...)
 * through the runner's `recipeSchema` hook; `baton schema` prints the result for editors.
 */
export function baseRecipeSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: RECIPE_SCHEMA_ID,
    title: 'Baton recipe',
    description: 'Services in Marathon JSON (apps, pods, groups), where to deploy them, and which plugins to use.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: {
        type: 'string',
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
        description: 'Recipe name; defaults to the file or directory name.',
      },
      target: {
        description:
          "Where to deploy: 'embedded' (default, the engine on this machine), a Marathon URL, or an object {kind, url, ...}.",
        type: ['string', 'object'],
        properties: {
          kind: { type: 'string' },
          url: { type: 'string' },
          token: { type: 'string', description: 'DC/OS token (prefer BATON_TOKEN: recipes get committed).' },
          user: { type: 'string', description: 'HTTP basic user (password: BATON_MARATHON_PASSWORD).' },
          password: { type: 'string' },
          caFile: { type: 'string', description: 'PEM file of the CA that signed the target certificate.' },
          insecure: { type: 'boolean', description: 'Skip certificate verification (explicit only).' },
          uid: {
            type: 'string',
            description: 'DC/OS login: service account (with privateKeyFile) or user (password: BATON_DCOS_PASSWORD).',
          },
          privateKeyFile: { type: 'string', description: "PEM file of the DC/OS service account's private key." },
          loginUrl: {
            type: 'string',
            description: "DC/OS login URL (default: the URL's origin + /acs/api/v1/auth/login).",
          },
        },
      },
      plugins: PLUGINS_SCHEMA,
      strict: {
        type: 'boolean',
        description:
          'Unknown fields are errors (true, the default); false reports them as warnings, for definitions exported from other Marathon versions.',
      },
      deploy: DEPLOY_SECTION_SCHEMA,
      apps: { type: 'array', items: { $ref: '#/$defs/app' } },
      pods: { type: 'array', items: { $ref: '#/$defs/pod' } },
      groups: { type: 'array', items: { $ref: '#/$defs/group' } },
    },
    $defs: { app: APP_SCHEMA, pod: POD_SCHEMA, group: GROUP_SCHEMA },
  };
}
