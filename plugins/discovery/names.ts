import { createHash } from 'node:crypto';

/** Mesos-DNS's RFC 1123 label mangling (marathon-lb-semantics.md §5): lower-case; `.`, `_`, `-` → `-`; others dropped; ≤ 63. */
export function mangle(label: string): string {
  return label
    .toLowerCase()
    .replace(/[._-]/g, '-')
    .replace(/[^a-z0-9-]/g, '')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

/** Marathon's Mesos task name for an app: the id's path reversed and dotted (`/shop/web` → `web.shop`). */
export function taskName(appId: string): string {
  return appId.split('/').filter(Boolean).reverse().join('.');
}

/**
 * The names a Marathon app's tasks are published under in `.marathon.mesos`: the mangled task name
 * (`web-shop`) and the legacy dotted one (`web.shop`), as Mesos-DNS serves both.
 */
export function appNames(appId: string): string[] {
  const dotted = taskName(appId).toLowerCase();
  const mangled = mangle(taskName(appId));
  return dotted === mangled ? [mangled] : [mangled, dotted];
}

/** Mesos-DNS's canonical per-task label: `<name>-<5 chars of the task id's SHA-1, zbase32>-<agent id's last segment>`. */
export function canonicalTaskLabel(appId: string, taskId: string, agentId: string): string {
  const alphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';
  const digest = createHash('sha1').update(taskId).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 5) break;
  }
  return `${mangle(taskName(appId))}-${out}-${mangle(agentId.split('-').pop() ?? agentId)}`;
}
