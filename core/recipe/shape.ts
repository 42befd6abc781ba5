/**
 * A recipe file may be a Baton recipe, or plain Marathon JSON as users already write it: one app,
 * `{ "apps": [...] }`, one pod, or one group. This turns the latter into the former.
 */
export type RawRecipe = Record<string, unknown>;

export function toRecipeShape(doc: unknown): { recipe: RawRecipe; shape: 'recipe' | 'app' | 'pod' | 'group' } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { recipe: { apps: Array.isArray(doc) ? doc : [] }, shape: 'recipe' };
  }
  const d = doc as RawRecipe;
  if (typeof d.id === 'string') {
    if (Array.isArray(d.containers)) return { recipe: { pods: [d] }, shape: 'pod' };
    if (Array.isArray(d.apps) || Array.isArray(d.groups) || Array.isArray(d.pods))
      return { recipe: { groups: [d] }, shape: 'group' };
    return { recipe: { apps: [d] }, shape: 'app' };
  }
  return { recipe: d, shape: 'recipe' };
}
