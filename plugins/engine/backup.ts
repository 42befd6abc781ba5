import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { BatonError, httpRequest } from '../../core/index.js';
import { runningEngine } from './daemon.js';
import { backupDir, backupName } from './store.js';

const require = createRequire(import.meta.url);
const sqlite = (): typeof Database => require('better-sqlite3');

/** The tables an engine's store has: a file without them is not an engine's state. */
const TABLES = ['apps', 'instances', 'deployments', 'meta'];

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * `baton engine backup`: a consistent copy of the state store. A running engine makes it itself
 * (SQLite's online backup through its own connection: the store stays locked to it); a stopped
 * one's store is copied the same way, read-only. The copy lands in <state dir>/backups/, then
 * where `to` says.
 */
export async function backupEngine(
  stateDir: string,
  token: string | undefined,
  to: string | undefined,
): Promise<{ file: string; engineRunning: boolean }> {
  const info = await runningEngine(stateDir, token);
  let file: string;
  if (info) {
    const r = await httpRequest(`${info.url}/baton/v1/backup`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const body = (await r.json()) as { file?: string; message?: string };
    if (!r.ok || !body.file)
      throw new BatonError(
        'BATON_TARGET_UNAVAILABLE',
        `the engine did not make the backup: ${body.message ?? r.status}`,
      );
    file = body.file;
  } else {
    const db = path.join(stateDir, 'engine.db');
    if (!existsSync(db)) throw new BatonError('BATON_NOT_FOUND', `no state store to back up at ${db}`);
    mkdirSync(backupDir(stateDir), { recursive: true });
    file = path.join(backupDir(stateDir), backupName());
    const src = sqlite()(db, { readonly: true, fileMustExist: true });
    try {
      await src.backup(file);
    } finally {
      src.close();
    }
  }
  if (to) {
    copyFileSync(file, to);
    file = path.resolve(to);
  }
  return { file, engineRunning: info !== undefined };
}

/** A backup that SQLite finds sound and that holds an engine's tables, or why not. */
function checkBackup(file: string): void {
  if (!existsSync(file)) throw new BatonError('BATON_NOT_FOUND', `no backup at ${file}`);
  let db: Database.Database | undefined;
  try {
    db = sqlite()(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`SQLite's integrity check: ${String(check)}`);
    const have = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (t) => t.name,
      ),
    );
    const missing = TABLES.filter((t) => !have.has(t));
    if (missing.length) throw new Error(`not an engine's state (no ${missing.join(', ')} table)`);
  } catch (err) {
    if (err instanceof BatonError) throw err;
    throw new BatonError('BATON_CONFIG_INVALID', `${file} cannot be restored: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
}

/**
 * `baton engine restore --from <file>`: the engine stopped, a sound backup replaces the store.
 * Nothing is deleted: the store it replaces (damaged or not) is moved aside beside it. The next
 * engine adopts the backup's tasks that still run; tasks started after the backup are strays and
 * are stopped (docs/reliability.md).
 */
export async function restoreEngine(
  stateDir: string,
  token: string | undefined,
  from: string,
): Promise<{ replaced: string | undefined }> {
  if (await runningEngine(stateDir, token))
    throw new BatonError(
      'BATON_CONFIG_INVALID',
      `the engine of ${stateDir} is running: stop it first (baton engine stop; its tasks keep running)`,
    );
  checkBackup(from);
  mkdirSync(stateDir, { recursive: true });
  const db = path.join(stateDir, 'engine.db');
  let replaced: string | undefined;
  if (existsSync(db)) {
    replaced = `${db}.replaced-${stamp()}`;
    renameSync(db, replaced);
    for (const ext of ['-wal', '-shm']) if (existsSync(db + ext)) renameSync(db + ext, replaced + ext);
  }
  copyFileSync(from, db + '.restoring');
  renameSync(db + '.restoring', db);
  return { replaced };
}
