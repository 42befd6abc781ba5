import { BatonError } from '../errors.js';
import type { PluginSetting } from './types.js';

/**
 * The recipe's `plugins` section, read before anything else of the recipe (its plugins decide how
 * the rest is validated), so it is checked here rather than left to the schema. Two forms:
 *
 * - an object, as Baton has always read it: `{ "docker": false, "./p.mjs": { "opt": 1 } }`;
 * - an array, as semantic-release, serverless and babel write it: `["./p.mjs", ["name", { "opt": 1 }]]`
 *   (an entry is a name, or a `[name]` / `[name, options | boolean]` pair).
 *
 * A bad shape is refused naming `/plugins/...` and what is expected (BATON_RECIPE_INVALID, exit 2).
 */
export function pluginSettings(raw: unknown): Record<string, PluginSetting> {
  if (raw === undefined || raw === null) return {};
  const refuse = (where: string, got: unknown, rule: string) =>
    new BatonError('BATON_RECIPE_INVALID', `${where}: ${rule} (got ${describe(got)})`, {
      details:
        'plugins is an object of name → true | false | {options}, or an array of names and [name, {options}] pairs',
    });
  if (Array.isArray(raw)) {
    const out: Record<string, PluginSetting> = {};
    raw.forEach((entry, i) => {
      const [name, setting] = Array.isArray(entry) ? entry : [entry, true];
      if (typeof name !== 'string' || name === '')
        throw refuse(`/plugins/${i}${Array.isArray(entry) ? '/0' : ''}`, name, 'a plugin name or path');
      if (Array.isArray(entry) && entry.length > 2) throw refuse(`/plugins/${i}`, entry, 'at most [name, options]');
      const s = setting === undefined ? true : setting;
      if (!isSetting(s)) throw refuse(`/plugins/${i}/1`, s, 'options as an object, or true / false');
      if (name in out) throw refuse(`/plugins/${i}`, name, 'each plugin once');
      out[name] = s;
    });
    return out;
  }
  if (typeof raw !== 'object') throw refuse('/plugins', raw, 'an object or an array');
  for (const [name, s] of Object.entries(raw))
    if (!isSetting(s)) throw refuse(`/plugins/${escape(name)}`, s, 'true, false or an options object');
  return raw as Record<string, PluginSetting>;
}

/** The JSON Schema of `plugins` (both forms), for editors and `baton schema`. */
export const PLUGINS_SCHEMA = {
  description:
    'Plugins by built-in name, npm name or relative path: as an object (false switches one off, true or an options object switches it on) or as an array of names and [name, options] pairs.',
  oneOf: [
    { type: 'object', additionalProperties: { type: ['boolean', 'object'] } },
    {
      type: 'array',
      items: {
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'array',
            minItems: 1,
            maxItems: 2,
            items: [{ type: 'string', minLength: 1 }, { type: ['boolean', 'object'] }],
            additionalItems: false,
          },
        ],
      },
    },
  ],
};

const isSetting = (s: unknown): s is PluginSetting =>
  typeof s === 'boolean' || (typeof s === 'object' && s !== null && !Array.isArray(s));
const escape = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
const describe = (v: unknown) => (Array.isArray(v) ? 'an array' : v === null ? 'null' : JSON.stringify(v));
