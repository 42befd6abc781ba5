// Bundles made with esbuild after `tsc` has built dist/:
// - the CLI as users run it (package.json "bin"): Baton's own modules bundled into a few files with
//   lazy chunks, because loading ~250 separate ES modules was most of every command's start-up
//   (docs/performance.md, CLI start-up). npm packages stay external (loaded from node_modules, the
//   heavy ones only when used). The engine daemon and the tests' harness run the unbundled modules;
//   the tests' CLI runs this bundle.
// - the dashboard (plugins/engine/ui, Preact): one script and one stylesheet under dist/ui/, served
//   by the engine at /ui (nothing loaded from elsewhere at run time).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

// Chunk names carry content hashes: without this every build would leave the last one's chunks behind.
rmSync('dist/cli', { recursive: true, force: true });
rmSync('dist/ui', { recursive: true, force: true });

// yargs and the packages it loads at start-up are bundled too, so that string-width reaches it
// through a shim that loads the real module on first use (.ci/lazy-string-width.mjs): importing it
// cost about 70 ms of every command, and only help output measures widths.
const YARGS = /^(yargs|yargs-parser|cliui|y18n|escalade|wrap-ansi|strip-ansi|ansi-regex|ansi-styles)(\/|$)/;
const packagesBesideYargs = {
  name: 'packages-beside-yargs',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === 'string-width' && args.importer.includes('/node_modules/'))
        return { path: path.resolve('.ci/lazy-string-width.mjs') };
      if (YARGS.test(args.path)) return undefined;
      return { external: true };
    });
  },
};

await build({
  entryPoints: ['dist/bin/baton.js'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [packagesBesideYargs],
  sourcemap: true,
  logLevel: 'warning',
});
chmodSync('dist/cli/baton.js', 0o755);

await build({
  entryPoints: { main: 'plugins/engine/ui/main.tsx', style: 'plugins/engine/ui/style.css' },
  outdir: 'dist/ui/assets',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
mkdirSync('dist/ui', { recursive: true });
copyFileSync('plugins/engine/ui/index.html', 'dist/ui/index.html');
