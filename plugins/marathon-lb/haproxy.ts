import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
    return String((err as { stderr?: string }).stderr ?? err).split('\n').filter((l) => /ALERT|error/i.test(l)).join('\n') || String(err);
  }
}

/**
 * A real HAProxy in master-worker mode (`-W`), owned by this process: started on the first valid
 * configuration, reloaded with SIGUSR2 when the configuration changes — hitless: the listening
 * sockets pass to the new worker (`expose-fd listeners`), old workers finish their connections, and
 * server state (drain, maintenance) is saved first and loaded by the new worker.
 */
export class Haproxy {
  private child?: ChildProcess;
  private current?: string;
  reloads = 0;

  constructor(readonly runDir: string, private readonly log?: { info(m: string): void; warn(m: string): void }) {
    mkdirSync(runDir, { recursive: true });
    // An empty state file until the first reload saves one (HAProxy warns about a missing one).
    if (!existsSync(path.join(runDir, 'server-state'))) writeFileSync(path.join(runDir, 'server-state'), '');
  }

  get configFile(): string {
    return path.join(this.runDir, 'haproxy.cfg');
  }
  get socket(): string {
    return path.join(this.runDir, 'haproxy.sock');
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Check a configuration without using it. */
  async validate(config: string): Promise<string | undefined> {
    const tmp = path.join(this.runDir, 'haproxy.cfg.check');
    writeFileSync(tmp, config);
    return checkConfig(tmp);
  }

  /** Use `config` if it differs from the running one and HAProxy accepts it. Returns what happened. */
  async apply(config: string): Promise<{ status: 'unchanged' | 'started' | 'reloaded' } | { status: 'invalid'; error: string }> {
    if (config === this.current && this.child) return { status: 'unchanged' };
    const tmp = path.join(this.runDir, 'haproxy.cfg.tmp');
    writeFileSync(tmp, config);
    const error = await checkConfig(tmp);
    if (error) return { status: 'invalid', error };
    if (this.child && existsSync(this.socket)) {
      // Keep draining/maintenance states across the reload.
      const state = await runtimeCommand(this.socket, 'show servers state').catch(() => '');
      if (state) writeFileSync(path.join(this.runDir, 'server-state'), state);
    }
    renameSync(tmp, this.configFile);
    this.current = config;
    if (!this.child) {
      this.child = spawn('haproxy', ['-W', '-db', '-f', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      this.child.stderr?.on('data', (d) => this.log?.warn(`haproxy: ${String(d).trim()}`));
      this.child.once('exit', () => (this.child = undefined));
      this.child.once('error', (err) => {
        this.log?.warn(`haproxy could not start: ${err.message}`);
        this.child = undefined;
      });
      for (let i = 0; i < 100 && !existsSync(this.socket); i++) await sleep(20);
      return { status: 'started' };
    }
    this.child.kill('SIGUSR2'); // master-worker reload
    this.reloads++;
    await sleep(50);
    return { status: 'reloaded' };
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([gone, sleep(3000)]);
    this.child = undefined;
  }
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
