import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
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

export class Store {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<Store['prepare']>;

  /**
   * `readOnly`: a stopped engine's state as it is on disk, for a plan or a status that must not
   * start anything — opened without the lock and without a write (it must exist).
   */
  constructor(
    stateDir: string,
    readonly readOnly = false,
  ) {
    if (readOnly) {
      this.db = new (sqlite())(path.join(stateDir, 'engine.db'), { readonly: true, fileMustExist: true });
      this.stmts = this.prepare();
      return;
    }
    mkdirSync(stateDir, { recursive: true });
    this.db = new (sqlite())(path.join(stateDir, 'engine.db'));
    try {
      // One engine per state directory: the database stays locked while this engine has it open,
      // and the lock goes with the process however it ends. A second engine (a restart racing the
      // old one's shutdown) is refused instead of acting on the same tasks.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY')
        throw new Error(`another engine holds the state directory ${stateDir} (its engine.db is locked)`);
      throw err;
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
    this.stmts = this.prepare();
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
    return this.db.transaction(fn)();
  }

  meta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }
  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  loadApps(): StoredApp[] {
    return this.stmts.apps.all().map((r) => JSON.parse(r.json) as StoredApp);
  }
  putApp(a: StoredApp, newVersion: boolean): void {
    const json = JSON.stringify(a);
    this.stmts.putApp.run(a.app.id, json);
    if (newVersion) {
      this.stmts.putVersion.run(a.app.id, a.version, json);
      this.stmts.trimVersions.run(a.app.id, a.app.id);
    }
  }
  deleteApp(id: string): void {
    this.stmts.delApp.run(id);
    this.stmts.delVersions.run(id);
    this.stmts.delFailure.run(id);
  }

  /** Each app's last task failure (Marathon keeps them across leader changes; so does the engine across restarts). */
  loadFailures(): TaskFailure[] {
    return this.stmts.failures.all().map((r) => JSON.parse(r.json) as TaskFailure);
  }
  putFailure(f: TaskFailure): void {
    this.stmts.putFailure.run(f.appId, JSON.stringify(f));
  }
  versions(id: string): string[] {
    return this.stmts.versions.all(id).map((r) => r.version);
  }
  appVersion(id: string, version: string): StoredApp | undefined {
    const r = this.stmts.version.get(id, version);
    return r ? (JSON.parse(r.json) as StoredApp) : undefined;
  }

  loadInstances(): Instance[] {
    return this.stmts.instances.all().map((r) => JSON.parse(r.json) as Instance);
  }
  putInstance(i: Instance): void {
    this.stmts.putInstance.run(i.instanceId, i.appId, JSON.stringify(i));
  }
  deleteInstance(id: string): void {
    this.stmts.delInstance.run(id);
  }

  loadDeployments(): Deployment[] {
    return this.stmts.deployments.all().map((r) => JSON.parse(r.json) as Deployment);
  }
  putDeployment(d: Deployment): void {
    this.stmts.putDeployment.run(d.id, JSON.stringify(d));
  }
  deleteDeployment(id: string): void {
    this.stmts.delDeployment.run(id);
  }

  /** The whole tree after a change (Marathon's root group versions): group rollback reads these. */
  putRootVersion(v: RootVersion): void {
    this.stmts.putRoot.run(v.version, JSON.stringify(v));
    this.stmts.trimRoot.run();
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
    this.stmts.putOutcome.run(appId, version, deploymentId, outcome, new Date().toISOString());
  }
  outcomes(appId: string): Outcome[] {
    return this.stmts.outcomes.all(appId);
  }

  close(): void {
    this.db.close();
  }
}
