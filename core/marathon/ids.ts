/**
 * Marathon path ids (marathon-semantics.md §1.1): "/group/app". Relative ids resolve against a parent group;
 * "." and ".." are only relative path elements.
 */
export const ID_SEGMENT = /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
export const RESERVED_LAST_SEGMENTS = ['restart', 'tasks', 'versions', '.', '..'];

/** Canonical absolute form of `id` relative to `parent` ("/" by default). */
export function canonicalId(id: string, parent = '/'): string {
  const base = id.startsWith('/') ? [] : parent.split('/').filter(Boolean);
  for (const seg of id.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') base.pop();
    else base.push(seg);
  }
  return '/' + base.join('/');
}

export function parentId(id: string): string {
  const segs = id.split('/').filter(Boolean);
  segs.pop();
  return '/' + segs.join('/');
}

/** True when `child` lies strictly below group `group`. */
export function isChildOf(child: string, group: string): boolean {
  if (group === '/') return child !== '/';
  return child.startsWith(group + '/');
}

/** Problems with an id as written (before canonicalisation), as messages; empty when fine. */
export function idProblems(raw: string): string[] {
  const problems: string[] = [];
  const segs = raw.split('/').filter((s) => s !== '');
  if (segs.length === 0) return ['must not be the root group and needs at least one segment'];
  for (const s of segs) {
    if (s === '.' || s === '..') continue;
    if (!ID_SEGMENT.test(s)) {
      problems.push(
        `segment '${s}' is invalid: use lowercase letters, digits and '-' (not at either end), with '.' between labels`,
      );
    }
  }
  const last = segs[segs.length - 1];
  if (RESERVED_LAST_SEGMENTS.includes(last)) problems.push(`the last segment must not be '${last}'`);
  return problems;
}

/** A pod container's task id (marathon-semantics.md §8): `<pod>.instance-<uuid>.<container>.<incarnation>`. */
export function podContainerTaskId(instanceId: string, container: string, incarnation: number): string {
  return `${instanceId}.${container}.${incarnation}`;
}

/** Task-id prefix Marathon derives from an app id: "/web/api" → "web_api". */
export function idToTaskPrefix(id: string): string {
  return id.replace(/^\//, '').replace(/\//g, '_');
}
