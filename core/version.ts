import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Baton's package root and version, found from this file whether run from source or dist/. */
function findPackage(): { root: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'baton') return { root: dir, version: pkg.version ?? '0.0.0' };
    }
    const up = path.dirname(dir);
    if (up === dir) return { root: process.cwd(), version: '0.0.0' };
    dir = up;
  }
}

const pkg = findPackage();
export const CORE_VERSION = pkg.version;
export const PACKAGE_ROOT = pkg.root;
