import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One command on HAProxy's stats socket (the runtime API); resolves with its answer. */
export function runtimeCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let out = '';
    c.setTimeout(2000, () => c.destroy(new Error('the HAProxy runtime API did not answer')));
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.write(command + '\n');
  });
}

/** `haproxy -c` on a file: undefined when valid, else HAProxy's complaint. */
export async function checkConfig(file: string): Promise<string | undefined> {
  try {
    await run('haproxy', ['-c', '-f', file]);
    return undefined;
  } catch (err) {
    return (
      String((err as { stderr?: string }).stderr ?? err)
        .split('\n')
        .filter((l) => /ALERT|error/i.test(l))
        .join('\n') || String(err)
    );
  }
}

/** Whether `pid` is a live (not zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is a live process whose command line mentions `needle` — checked once, when
 * adopting: a reloading master re-executes itself, and its command line is briefly unreadable.
 */
function liveWith(pid: number, needle: string): boolean {
  try {
    return alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(needle);
  } catch {
    return false;
  }
}

/**
 * A real HAProxy in master-worker mode (`-W`): started on the first valid configuration, reloaded
 * with SIGUSR2 when the configuration changes — hitless: the listening sockets pass to the new
 * worker (`expose-fd listeners`), old workers finish their connections, and server state (drain,
 * maintenance, weights) is saved first and loaded by the new worker. It runs in its own session
 * and outlives the engine like tasks do: a restarted engine adopts it (pid file + command line).
 */
export class Haproxy {
  private child?: ChildProcess;
  private adopted?: number;
  private current?: string;
  reloads = 0;
  /** HAProxy restarted after it died (killed, crashed): counted for the status and the metrics. */
  restarts = 0;
  private watchdog?: NodeJS.Timeout;
  private restarting?: Promise<void>;

  constructor(
    readonly runDir: string,
    private readonly log?: { info(m: string): void; warn(m: string): void },
  ) {
    mkdirSync(runDir, { recursive: true });
    // An empty state file until the first reload saves one (HAProxy warns about a missing one).
    if (!existsSync(path.join(runDir, 'server-state'))) writeFileSync(path.join(runDir, 'server-state'), '');
    const pid = existsSync(this.pidFile) ? Number(readFileSync(this.pidFile, 'utf8')) : 0;
    if (pid > 0 && liveWith(pid, this.configFile) && existsSync(this.configFile)) {
      this.adopted = pid;
      this.current = readFileSync(this.configFile, 'utf8');
      log?.info(`marathon-lb: adopted the running HAProxy (pid ${pid})`);
    }
  }

  get configFile(): string {
    return path.join(this.runDir, 'haproxy.cfg');
  }
  /** The runtime API of the current worker (stats, weights, server states). */
  get socket(): string {
    return path.join(this.runDir, 'haproxy.sock');
  }
  /** The master CLI (`show proc`: current and old workers). */
  get masterSocket(): string {
    return path.join(this.runDir, 'master.sock');
  }
  private get pidFile(): string {
    return path.join(this.runDir, 'haproxy.pid');
  }
  get pid(): number | undefined {
    if (this.adopted && !alive(this.adopted)) this.adopted = undefined;
    return this.child?.pid ?? this.adopted;
  }

  /**
   * Keep HAProxy up while it has a configuration: a master that died (killed; in master-worker mode
   * it also exits when its worker dies) is seen at once when it was our child, within half a
   * second when adopted, and started again with the current configuration; `restarted` then puts
   * back what the configuration does not hold (runtime weights, maintenance). Until `unsupervise`.
   */
  supervise(restarted: () => void): void {
    this.onRestarted = restarted;
    this.watchdog ??= setInterval(() => void this.revive(), 500);
    this.watchdog.unref();
  }

  unsupervise(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.onRestarted = undefined;
  }

  private onRestarted?: () => void;

  /** Start HAProxy again if it should run and does not (one restart at a time). */
  private revive(): Promise<void> {
    if (!this.watchdog || this.current === undefined || this.pid || this.restarting)
      return this.restarting ?? Promise.resolve();
    const config = this.current;
    this.restarting = (async () => {
      this.log?.warn(
        `HAProxy (${path.basename(this.runDir)}) is not running: starting it again with its configuration`,
      );
      this.current = undefined;
      const r = await this.apply(config).catch((err: Error) => ({ status: 'invalid' as const, error: err.message }));
      if (r.status === 'started') {
        this.restarts++;
        this.onRestarted?.();
      } else {
        this.current = config;
        this.log?.warn(`HAProxy could not be started again: ${'error' in r ? r.error : r.status}`);
      }
    })().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  /** Check a configuration without using it. */
  async validate(config: string): Promise<string | undefined> {
    const tmp = path.join(this.runDir, 'haproxy.cfg.check');
    writeFileSync(tmp, config);
    return checkConfig(tmp);
  }

  /** Use `config` if it differs from the running one and HAProxy accepts it. Returns what happened. */
  async apply(
    config: string,
  ): Promise<{ status: 'unchanged' | 'started' | 'reloaded' } | { status: 'invalid'; error: string }> {
    const pid = this.pid;
    if (config === this.current && pid) return { status: 'unchanged' };
    const tmp = path.join(this.runDir, 'haproxy.cfg.tmp');
    writeFileSync(tmp, config);
    const error = await checkConfig(tmp);
    if (error) return { status: 'invalid', error };
    if (pid) await this.saveState(config);
    renameSync(tmp, this.configFile);
    const previous = this.current;
    this.current = config;
    if (!pid) {
      const out = openSync(path.join(this.runDir, 'haproxy.log'), 'a');
      const child = spawn('haproxy', ['-W', '-db', '-S', `${this.masterSocket},mode,600`, '-f', this.configFile], {
        stdio: ['ignore', out, out],
        detached: true,
      });
      closeSync(out);
      this.child = child;
      child.unref();
      child.once('exit', () => {
        if (this.child !== child) return;
        this.child = undefined;
        // Died under supervision (not stopped): up again now, not at the next check.
        void this.revive();
      });
      child.once('error', (err) => {
        this.log?.warn(`haproxy could not start: ${err.message}`);
        if (this.child === child) this.child = undefined;
      });
      if (child.pid) writeFileSync(this.pidFile, String(child.pid));
      for (let i = 0; i < 100 && !existsSync(this.socket); i++) await sleep(20);
      return { status: 'started' };
    }
    await this.signalReload(pid);
    // Old workers answer one more request on each keep-alive connection they hold (idle-close-on-
    // response), by their own configuration: servers this one dropped (a task being killed) must
    // not get it. Measured: without this, a rolling upgrade under load saw ECONNRESETs.
    if (previous !== undefined) await this.maintInOldWorkers(droppedServers(previous, config));
    return { status: 'reloaded' };
  }

  /** Put servers into maintenance in every old worker (through the master CLI's `@!<pid>`). */
  private async maintInOldWorkers(servers: string[]): Promise<void> {
    if (servers.length === 0) return;
    for (const pid of (await this.workers()).old)
      await this.master(servers.map((s) => `@!${pid} set server ${s} state maint`).join(';')).catch(() => undefined);
  }

  /** The current and the old workers' pids, from the master CLI (`show proc`); none while it re-executes. */
  async workers(): Promise<{ current?: number; old: number[] }> {
    const out = await this.master('show proc').catch(() => '');
    let section = '';
    const r: { current?: number; old: number[] } = { old: [] };
    for (const l of out.split('\n')) {
      if (l.startsWith('#')) section = l;
      const pid = /^(\d+)\s+worker\b/.exec(l.trim())?.[1];
      if (!pid) continue;
      if (/^# workers/.test(section)) r.current = Number(pid);
      else if (/^# old workers/.test(section)) r.old.push(Number(pid));
    }
    return r;
  }

  /** Reload with the configuration HAProxy has (marathon-lb's SIGUSR1); false when none runs. */
  async reload(): Promise<boolean> {
    const pid = this.pid;
    if (!pid || this.current === undefined) return false;
    await this.saveState(this.current);
    await this.signalReload(pid);
    return true;
  }

  /** Keep health, drain and weights across a reload, for the servers `config` keeps. */
  private async saveState(config: string): Promise<void> {
    if (!existsSync(this.socket)) return;
    const state = await runtimeCommand(this.socket, 'show servers state').catch(() => '');
    if (state) writeFileSync(path.join(this.runDir, 'server-state'), carriedState(state, config));
  }

  /**
   * Reload and wait until the new worker serves (at most 3 s): callers act on the reload — a kill
   * gate lets a task be signalled once it is out of the configuration — and a fixed 50 ms pause
   * was sometimes shorter than HAProxy's re-execution under load.
   */
  private async signalReload(pid: number): Promise<void> {
    const before = (await this.workers()).current;
    process.kill(pid, 'SIGUSR2'); // master-worker reload
    this.reloads++;
    for (let i = 0; i < 300; i++) {
      await sleep(10);
      const now = (await this.workers()).current;
      if (now !== undefined && now !== before) return;
    }
  }

  /** Runtime API commands, in one connection (`;`-separated, as the API takes them). */
  runtime(commands: string[]): Promise<string> {
    return runtimeCommand(this.socket, commands.join(';'));
  }

  /** A command on the master CLI. It keeps a connection open after a command unless told to quit. */
  master(command: string): Promise<string> {
    return runtimeCommand(this.masterSocket, `${command};quit`);
  }

  /** How many old workers still finish connections after reloads (zdd waits for none before trusting stats). */
  async oldWorkers(): Promise<number> {
    if (!this.pid) return 0;
    // A master that does not answer is re-executing for a reload: count it as one still draining.
    const w = await this.workers();
    return w.current === undefined ? 1 : w.old.length;
  }

  /** `show stat` of the current worker, as rows keyed by the CSV header. */
  async stats(): Promise<Record<string, string>[]> {
    const csv = await runtimeCommand(this.socket, 'show stat').catch(() => '');
    return parseStatsCsv(csv);
  }

  async stop(): Promise<void> {
    // Stopped on purpose: nothing to keep running (a later apply starts it again, supervised).
    this.current = undefined;
    const pid = this.pid;
    if (!pid) return;
    const c = this.child;
    const gone = c ? new Promise((r) => c.once('exit', r)) : undefined;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 250 && alive(pid); i++) {
      if (gone) await Promise.race([gone, sleep(20)]);
      else await sleep(20);
    }
    this.child = undefined;
    this.adopted = undefined;
    rmSync(this.pidFile, { force: true });
  }
}

/**
 * The server state the next worker loads: health (up/down) for the servers the new configuration
 * keeps, nothing for the others — a server name (ip_port) can come back for another task — and no
 * forced admin state: drain and maintenance come from the configuration (`disabled`), so a state
 * set through the runtime API never outlives what it was for.
 */
export function carriedState(state: string, config: string): string {
  const servers = serversOf(config);
  return state
    .split('\n')
    .map((l) => {
      if (!l || l.startsWith('#') || /^\d+$/.test(l.trim())) return l;
      const f = l.split(' ');
      if (!servers.has(`${f[1]}/${f[3]}`)) return undefined;
      f[6] = '0'; // srv_admin_state
      return f.join(' ');
    })
    .filter((l) => l !== undefined)
    .join('\n');
}

/** Every `backend/server` a configuration has. */
function serversOf(config: string): Set<string> {
  const out = new Set<string>();
  let backend = '';
  for (const l of config.split('\n')) {
    const b = /^backend (\S+)/.exec(l);
    if (b) backend = b[1];
    const v = /^\s+server (\S+)/.exec(l);
    if (v && backend) out.add(`${backend}/${v[1]}`);
  }
  return out;
}

/** `backend/server` of every server `previous` has and `next` does not. */
export function droppedServers(previous: string, next: string): string[] {
  const keep = serversOf(next);
  return [...serversOf(previous)].filter((s) => !keep.has(s));
}

/** HAProxy's stats CSV (`# pxname,svname,...` header) as objects. */
export function parseStatsCsv(csv: string): Record<string, string>[] {
  const [head, ...rows] = csv.split('\n').filter((l) => l.trim());
  if (!head?.startsWith('# ')) return [];
  const keys = head.slice(2).split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i], v])));
}

/** Whether an `haproxy` binary is on the PATH (marathon-lb needs one; CI installs Debian's). */
export async function haproxyInstalled(): Promise<boolean> {
  try {
    await run('haproxy', ['-v']);
    return true;
  } catch {
    return false;
  }
}
