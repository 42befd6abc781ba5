/** Env var names whose values are treated as secrets (never printed). */
export const SECRET_NAME = /pass(word)?|secret|token|key|credential|private/i;

type EnvVisitor = (env: Record<string, unknown>, name: string) => void;

/** Visit every secret-looking entry of every `env` / `environment` map in a definition (apps, pods, containers, groups). */
function eachSecret(node: unknown, visit: EnvVisitor): void {
  if (Array.isArray(node)) return node.forEach((n) => eachSecret(n, visit));
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'env' || k === 'environment') && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [name, value] of Object.entries(v))
        if (typeof value === 'string' && SECRET_NAME.test(name)) visit(v as Record<string, unknown>, name);
    } else eachSecret(v, visit);
  }
}

/** The values of secret-looking env vars anywhere in a definition: what a reporter must mask. */
export function secretValues(definition: unknown): string[] {
  const out: string[] = [];
  eachSecret(definition, (env, name) => out.push(env[name] as string));
  return out;
}

/**
 * A copy of a definition with secret-looking env values replaced by "***": for printing what a
 * target holds (`baton status --json`), where no recipe told the reporter what to mask.
 */
export function redactSecrets<T>(definition: T): T {
  const copy = structuredClone(definition);
  eachSecret(copy, (env, name) => (env[name] = '***'));
  return copy;
}
