import { Runner, type Issue } from '../../core/index.js';
import { toRecipeShape } from '../../core/internal.js';
import { defaultPlugins } from '../../bin/default-plugins.js';

/** Validate a recipe object (or plain Marathon JSON) through the real pipeline; return findings. */
export async function validate(
  doc: unknown,
  opts: { strict?: boolean; plugins?: boolean } = {},
): Promise<{ errors: Issue[]; warnings: Issue[]; code: number }> {
  const runner = new Runner();
  if (opts.plugins) for (const p of defaultPlugins()) runner.use(p);
  const { recipe } = toRecipeShape(doc);
  const res = await runner.run({
    command: 'validate',
    until: 'validate',
    dryRun: true,
    raw: recipe,
    defaultName: 't',
    options: { strict: opts.strict },
  });
  return { errors: res.ctx.issues.errors, warnings: res.ctx.issues.warnings, code: res.exitCode };
}

/** "path rule" strings, for compact assertions. */
export const brief = (issues: Issue[]) => issues.map((i) => `${i.path} ${i.rule}`);
