import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';

/**
 * Marathon's published data — its JSON schema, RAML types and API examples — is not in this
 * repository (it is Marathon's, and the repository stands alone). Tests that check Baton against
 * it find a copy through one variable, `BATON_MARATHON_DATA` (docs/compatibility.md says what the
 * directory holds and where to get it). Without it they are reported as skipped, with the reason.
 */
const dir = process.env.BATON_MARATHON_DATA ? path.resolve(process.env.BATON_MARATHON_DATA) : undefined;

export const SKIPPED_BECAUSE =
  "BATON_MARATHON_DATA is not set: it names a copy of Marathon's published schema, RAML types and examples (docs/compatibility.md)";

if (dir && !existsSync(path.join(dir, 'json-schema/AppDefinition.json'))) {
  throw new Error(`BATON_MARATHON_DATA=${dir} has no json-schema/AppDefinition.json: not a copy of Marathon's data`);
}

/** The data directory, or undefined when the variable is unset. */
export const marathonData = dir;

/** A JSON file of the data (path relative to it). */
export const readData = (f: string) => JSON.parse(readFileSync(path.join(dir!, f), 'utf8'));

/** The JSON files of one data folder, as `folder/file.json`; [] without the data. */
export const dataFiles = (folder: string) =>
  dir
    ? readdirSync(path.join(dir, folder))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${folder}/${f}`)
    : [];

/**
 * In a describe block whose cases need the data: without it, one case that reports itself skipped
 * with the reason (so a run without the data says so instead of showing fewer tests). Returns
 * whether the data is there, for the block to generate its cases.
 */
export function needsMarathonData(): boolean {
  if (!dir) it('needs Marathon’s published data', (ctx) => ctx.skip(SKIPPED_BECAUSE));
  return dir !== undefined;
}
