import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  // The example plugins' tests import Baton by its package name, as a third-party plugin's would.
  resolve: {
    alias: [
      { find: /^baton\/testing$/, replacement: path.join(root, 'bin/testing.ts') },
      { find: /^baton$/, replacement: path.join(root, 'core/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'recipes/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Engine and container tests own real processes and ports: keep files in separate forks.
    pool: 'forks',
  },
});
