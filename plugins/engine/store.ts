import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { BatonError } from '../../core/index.js';
import type { Deployment, GroupSpec, Instance, StoredApp, TaskFailure } from './types.js';

const require = createRequire(import.meta.url);
/** better-sqlite3, loaded when a store opens (its native module is not needed by commands that only talk HTTP). */
const sqlite = (): typeof Database => require('better-sqlite3');

const MAX_VERSIONS = 50;

export interface Outcome {
  version: string;
  deploymentId: string;
  outcome: 'succeeded' | 'failed';
  at: string;
} // Marathon's --zk_max_versions default

/**
 * The engine's state in SQLite (better-sqlite3: synchronous, transactional, WAL). Every change is
 * committed before the engine acts on it, so a SIGKILL at any point leaves a state the next engine
 * can adopt. WAL with synchronous=NORMAL survives a process crash (not a power cut), which is what
 * an engine restart needs; `BATON_ENGINE_FSYNC=full` buys power-cut durability.
 */
/** A snapshot of every app and group after one change, and which ids it touched. */
export interface RootVersion {
  version: string;
  apps: StoredApp[];
  groups: GroupSpec[];
  affected: string[];
}

const MAX_ROOT_VERSIONS = 50;

/** Where backups of a state directory's store go (`baton engine backup`): inside it, never elsewhere. */
export const backupDir = (stateDir: string) => path.join(stateDir, 'backups');
export const backupName = () => `engine-${new Date().toISOString().replace(/[:.]/g, '-')}.db`;

/** Written beside engine.db once it exists: a state directory with this and no engine.db has lost its store. */
export const CREATED_MARKER = 'engine.created';

/** SQLite's result codes for a disk or filesystem that refuses writes, and for a file that is not a sound database. */
const UNWRITABLE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/;
const DAMAGED = /^SQLITE_(CORRUPT|NOTADB)/;

const sqliteCode = (err: unknown) => String((err as { code?: unknown }).code ?? '');

/** How to get a damaged or lost store back (the refusal says it, docs/reliability.md explains it). */
const RESTORE_HINT =
  'restore a backup with `baton engine restore --from <file>` (made by `baton engine backup`), or move the state directory aside to start an empty engine on purpose (its tasks then run on unmanaged); docs/reliability.md';

/** A store the engine must not start over: damaged, or gone from a directory an engine has used. */
export function damaged(file: string, cause: string): BatonError {
  return new BatonError('BATON_STATE_DAMAGED', `the engine's state store ${file} ${cause}; ${RESTORE_HINT}`);
}

export class Store {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<Store['prepare']>;
  readonly file: string;

  /**
   * `readOnly`: a stopped engine's state as it is on disk, for a plan or a status that must not
   * start anything — opened without the lock and without a write (it must exist).
   */
  constructor(
    stateDir: string,
    readonly readOnly = false,
  ) {
    this.file = path.join(stateDir, 'engine.db');
    if (readOnly) {
      this.db = new (sqlite())(this.file, { readonly: true, fileMustExist: true });
      this.stmts = this.opened(() => this.prepare());
      return;
    }
    mkdirSync(stateDir, { recursive: true });
    const created = path.join(stateDir, CREATED_MARKER);
    // Never start empty over a store that was there: an engine ran here and its tasks may still run.
    if (!existsSync(this.file) && existsSync(created)) throw damaged(this.file, 'is missing');
    this.db = new (sqlite())(this.file);
    try {
      // One engine per state directory: the database stays locked while this engine has it open,
      // and the lock goes with the process however it ends. A second engine (a restart racing the
      // old one's shutdown) is refused instead of acting on the same tasks.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      this.db.close();
      if (sqliteCode(err) === 'SQLITE_BUSY')
        throw new Error(`another engine holds the state directory ${stateDir} (its engine.db is locked)`);
      if (DAMAGED.test(sqliteCode(err))) throw damaged(this.file, `is damaged (${(err as Error).message})`);
      throw this.unwritable(err);
    }
    this.db.pragma(`synchronous = ${process.env.BATON_ENGINE_FSYNC === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS apps (id TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS app_versions (id TEXT NOT NULL, version TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (id, version));
      CREATE TABLE IF NOT EXISTS instances (instance_id TEXT PRIMARY KEY, app_id TEXT NOT NULL, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS deployments (id TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS root_versions (version TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS task_failures (app_id TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outcomes (app_id TEXT NOT NULL, version TEXT NOT NULL, deployment_id TEXT NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (app_id, version, deployment_id));
    `);
    this.stmts = this.opened(() => this.prepare());
    // SQLite's own check of its pages and indexes (a few ms at thousands of tasks): a damaged store is
    // refused here rather than found half-way through the loading.
    const check = this.opened(() => this.db.pragma('quick_check', { simple: true }));
    if (check !== 'ok') {
      this.db.close();
      throw damaged(this.file, `failed SQLite's integrity check (${String(check).replace(/\s*\n\s*/g, ' ')})`);
    }
    if (!existsSync(created)) writeFileSync(created, new Date().toISOString() + '\n');
  }

  /** A read at open time: a damaged file is refused as damaged. */
  private opened<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (DAMAGED.test(sqliteCode(err))) {
        this.db.close();
        throw damaged(this.file, `is damaged (${(err as Error).message})`);
      }
      throw err;
    }
  }

  /** A write the disk refused, said as such (the API answers it with 503; nothing was changed). */
  private unwritable(err: unknown): unknown {
    if (err instanceof BatonError || !UNWRITABLE.test(sqliteCode(err))) return err;
    return new BatonError(
      'BATON_STATE_UNWRITABLE',
      `the engine cannot write its state to ${this.file}: ${(err as Error).message}; nothing was changed, and the engine carries on once it can write`,
      { cause: err },
    );
  }

  /** Since when writes are refused (a full disk); undefined while they are taken. */
  refusedSince?: string;
  /** Told when writes start being refused (with why) and when they are taken again. */
  onWritability?: (refusedSince: string | undefined, err?: Error) => void;

  /** Every write goes through here: a refused write throws BATON_STATE_UNWRITABLE, and SQLite rolled it back. */
  private write<T>(fn: () => T): T {
    let result: T;
    try {
      result = fn();
    } catch (err) {
      const e = this.unwritable(err);
      if (e instanceof BatonError && e.code === 'BATON_STATE_UNWRITABLE' && !this.refusedSince) {
        this.refusedSince = new Date().toISOString();
        this.onWritability?.(this.refusedSince, e);
      }
      throw e;
    }
    if (this.refusedSince) {
      this.refusedSince = undefined;
      this.onWritability?.(undefined);
    }
    return result;
  }

  /** A consistent copy of the store while the engine runs (SQLite's online backup), for `baton engine backup`. */
  async backup(dest: string): Promise<void> {
    try {
      await this.db.backup(dest);
    } catch (err) {
      throw this.unwritable(err);
    }
  }

  /** Rows as JSON; a row that is not is damage, said as such (the engine refuses to start over it). */
  private rows<T>(list: { json: string }[]): T[] {
    try {
      return list.map((r) => JSON.parse(r.json) as T);
    } catch (err) {
      throw damaged(this.file, `holds a row that is not JSON (${(err as Error).message})`);
    }
  }

  private prepare() {
    return {
      getMeta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      apps: this.db.prepare<[], { json: string }>('SELECT json FROM apps'),
      putApp: this.db.prepare(
        'INSERT INTO apps (id, json) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json',
      ),
      delApp: this.db.prepare('DELETE FROM apps WHERE id = ?'),
      putVersion: this.db.prepare('INSERT OR REPLACE INTO app_versions (id, version, json) VALUES (?, ?, ?)'),
      versions: this.db.prepare<[string], { version: string }>(
        'SELECT version FROM app_versions WHERE id = ? ORDER BY version DESC',
      ),
      version: this.db.prepare<[string, string], { json: string }>(
        'SELECT json FROM app_versions WHERE id = ? AND version = ?',
      ),
      trimVersions: this.db.prepare(
        `DELETE FROM app_versions WHERE id = ? AND version NOT IN (SELECT version FROM app_versions WHERE id = ? ORDER BY version DESC LIMIT ${MAX_VERSIONS})`,
      ),
      delVersions: this.db.prepare('DELETE FROM app_versions WHERE id = ?'),
      instances: this.db.prepare<[], { json: string }>('SELECT json FROM instances'),
      putInstance: this.db.prepare(
        'INSERT INTO instances (instance_id, app_id, json) VALUES (?, ?, ?) ON CONFLICT(instance_id) DO UPDATE SET json = excluded.json',
      ),
      delInstance: this.db.prepare('DELETE FROM instances WHERE instance_id = ?'),
      deployments: this.db.prepare<[], { json: string }>('SELECT json FROM deployments'),
      putDeployment: this.db.prepare(
        'INSERT INTO deployments (id, json) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json',
      ),
      delDeployment: this.db.prepare('DELETE FROM deployments WHERE id = ?'),
      putOutcome: this.db.prepare(
        'INSERT OR REPLACE INTO outcomes (app_id, version, deployment_id, outcome, at) VALUES (?, ?, ?, ?, ?)',
      ),
      putRoot: this.db.prepare('INSERT OR REPLACE INTO root_versions (version, json) VALUES (?, ?)'),
      trimRoot: this.db.prepare(
        `DELETE FROM root_versions WHERE version NOT IN (SELECT version FROM root_versions ORDER BY version DESC LIMIT ${MAX_ROOT_VERSIONS})`,
      ),
      rootVersions: this.db.prepare<[], { version: string; json: string }>(
        'SELECT version, json FROM root_versions ORDER BY version DESC',
      ),
      rootVersion: this.db.prepare<[string], { json: string }>('SELECT json FROM root_versions WHERE version = ?'),
      failures: this.db.prepare<[], { json: string }>('SELECT json FROM task_failures'),
      putFailure: this.db.prepare(
        'INSERT INTO task_failures (app_id, json) VALUES (?, ?) ON CONFLICT(app_id) DO UPDATE SET json = excluded.json',
      ),
      delFailure: this.db.prepare('DELETE FROM task_failures WHERE app_id = ?'),
      outcomes: this.db.prepare<[string], Outcome>(
        'SELECT version, deployment_id AS deploymentId, outcome, at FROM outcomes WHERE app_id = ? ORDER BY at',
      ),
    };
  }

  /** Run several writes atomically. */
  tx<T>(fn: () => T): T {
    return this.write(() => this.db.transaction(fn)());
  }

  meta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }
  setMeta(key: string, value: string): void {
    this.write(() => this.stmts.setMeta.run(key, value));
  }

  loadApps(): StoredApp[] {
    return this.rows<StoredApp>(this.stmts.apps.all());
  }
  putApp(a: StoredApp, newVersion: boolean): void {
    const json = JSON.stringify(a);
    this.write(() => {
      this.stmts.putApp.run(a.app.id, json);
      if (newVersion) {
        this.stmts.putVersion.run(a.app.id, a.version, json);
        this.stmts.trimVersions.run(a.app.id, a.app.id);
      }
    });
  }
  deleteApp(id: string): void {
    this.write(() => {
      this.stmts.delApp.run(id);
      this.stmts.delVersions.run(id);
      this.stmts.delFailure.run(id);
    });
  }

  /** Each app's last task failure (Marathon keeps them across leader changes; so does the engine across restarts). */
  loadFailures(): TaskFailure[] {
    return this.rows<TaskFailure>(this.stmts.failures.all());
  }
  putFailure(f: TaskFailure): void {
    this.write(() => this.stmts.putFailure.run(f.appId, JSON.stringify(f)));
  }
  versions(id: string): string[] {
    return this.stmts.versions.all(id).map((r) => r.version);
  }
  appVersion(id: string, version: string): StoredApp | undefined {
    const r = this.stmts.version.get(id, version);
    return r ? (JSON.parse(r.json) as StoredApp) : undefined;
  }

  loadInstances(): Instance[] {
    return this.rows<Instance>(this.stmts.instances.all());
  }
  putInstance(i: Instance): void {
    this.write(() => this.stmts.putInstance.run(i.instanceId, i.appId, JSON.stringify(i)));
  }
  deleteInstance(id: string): void {
    this.write(() => this.stmts.delInstance.run(id));
  }

  loadDeployments(): Deployment[] {
    return this.rows<Deployment>(this.stmts.deployments.all());
  }
  putDeployment(d: Deployment): void {
    this.write(() => this.stmts.putDeployment.run(d.id, JSON.stringify(d)));
  }
  deleteDeployment(id: string): void {
    this.write(() => this.stmts.delDeployment.run(id));
  }

  /** The whole tree after a change (Marathon's root group versions): group rollback reads these. */
  putRootVersion(v: RootVersion): void {
    this.write(() => {
      this.stmts.putRoot.run(v.version, JSON.stringify(v));
      this.stmts.trimRoot.run();
    });
  }
  rootVersions(): RootVersion[] {
    return this.stmts.rootVersions.all().map((r) => JSON.parse(r.json) as RootVersion);
  }
  rootVersion(version: string): RootVersion | undefined {
    const r = this.stmts.rootVersion.get(version);
    return r ? (JSON.parse(r.json) as RootVersion) : undefined;
  }

  /** How a deployment of an app version ended: succeeded, failed (cancelled, reverted). */
  recordOutcome(appId: string, version: string, deploymentId: string, outcome: Outcome['outcome']): void {
    this.write(() => this.stmts.putOutcome.run(appId, version, deploymentId, outcome, new Date().toISOString()));
  }
  outcomes(appId: string): Outcome[] {
    return this.stmts.outcomes.all(appId);
  }

  close(): void {
    this.db.close();
  }
}
