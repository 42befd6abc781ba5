import type Docker from 'dockerode';

/**
 * `docker run` options accepted in `container.docker.parameters` (marathon-semantics.md §1.4), mapped onto
 * dockerode's create options. Anything else is a validation error, never silently ignored.
 */
type Apply = (o: Docker.ContainerCreateOptions, value: string) => void;
const host = (o: Docker.ContainerCreateOptions) => (o.HostConfig ??= {});

export const PARAMETERS: Record<string, Apply> = {
  label: (o, v) => {
    const [k, ...rest] = v.split('=');
    o.Labels = { ...(o.Labels ?? {}), [k]: rest.join('=') };
  },
  env: (o, v) => void (o.Env = [...(o.Env ?? []), v]),
  hostname: (o, v) => void (o.Hostname = v),
  user: (o, v) => void (o.User = v),
  workdir: (o, v) => void (o.WorkingDir = v),
  'add-host': (o, v) => void (host(o).ExtraHosts = [...(host(o).ExtraHosts ?? []), v]),
  'cap-add': (o, v) => void (host(o).CapAdd = [...(host(o).CapAdd ?? []), v]),
  'cap-drop': (o, v) => void (host(o).CapDrop = [...(host(o).CapDrop ?? []), v]),
  'read-only': (o, v) => void (host(o).ReadonlyRootfs = v !== 'false'),
  tmpfs: (o, v) => {
    const [path, opts] = v.split(':');
    host(o).Tmpfs = { ...(host(o).Tmpfs ?? {}), [path]: opts ?? '' };
  },
  'shm-size': (o, v) => void (host(o).ShmSize = bytes(v)),
  'memory-swap': (o, v) => void (host(o).MemorySwap = v === '-1' ? -1 : bytes(v)),
  'pids-limit': (o, v) => void (host(o).PidsLimit = Number(v)),
  init: (o, v) => void (host(o).Init = v !== 'false'),
  'stop-signal': (o, v) => void (o.StopSignal = v),
  'log-driver': (o, v) => void (host(o).LogConfig = { Type: v, Config: host(o).LogConfig?.Config ?? {} }),
  ulimit: (o, v) => {
    const [name, limits] = v.split('=');
    const [soft, hard] = limits.split(':').map(Number);
    host(o).Ulimits = [...(host(o).Ulimits ?? []), { Name: name, Soft: soft, Hard: hard ?? soft }];
  },
};

function bytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg]?)$/i.exec(v.trim());
  if (!m) throw new Error(`not a size: ${v}`);
  return Math.round(
    Number(m[1]) *
      { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'],
  );
}
