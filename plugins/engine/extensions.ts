/** An extension's API route: handlers get the parsed request and answer with a status and JSON. */
export interface ExtensionRoute {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Under /baton/v1/x/, e.g. "marathon-lb/groups/:group". */
  path: string;
  handler(req: {
    params: Record<string, string>;
    query: Record<string, string>;
    body: unknown;
  }): Promise<{ status?: number; body: unknown }>;
}

/** The route for `method` and a path below /baton/v1/x/ ("a/b/c"), with its `:params`. */
export function matchRoute(
  routes: readonly ExtensionRoute[],
  method: string,
  rest: string,
): { route: ExtensionRoute; params: Record<string, string> } | undefined {
  const segments = rest.split('?')[0].split('/');
  for (const route of routes) {
    const parts = route.path.split('/');
    if (route.method !== method || parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (
      parts.every((p, i) =>
        p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(segments[i])), true) : p === segments[i],
      )
    )
      return { route, params };
  }
  return undefined;
}

/** A task about to be signalled, as kill gates see it. */
export interface KillingTask {
  appId: string;
  taskId?: string;
}
export type KillGate = (task: KillingTask) => Promise<void>;

/** The longest a kill waits for kill gates (a balancer's reload is rate-limited to one a second). */
const KILL_GATE_MS = 2500;

/** Wait for every gate (a failing one counts as passed), at most KILL_GATE_MS. */
export async function passKillGates(gates: readonly KillGate[], task: KillingTask): Promise<void> {
  if (gates.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(gates.map((g) => g(task).catch(() => undefined))),
    new Promise((r) => (timer = setTimeout(r, KILL_GATE_MS))),
  ]);
  clearTimeout(timer);
}
