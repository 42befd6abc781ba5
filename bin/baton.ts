#!/usr/bin/env node
import { fastPath, keepOutput, outputCache } from './fast-path.js';

// --version, --help and `schema` are answered before anything else loads (fast-path.ts).
const argv = process.argv.slice(2);
if (!fastPath(argv)) {
  const [{ main }, { defaultPlugins }] = await Promise.all([
    import('../core/internal.js'),
    import('./default-plugins.js'),
  ]);
  process.exitCode = await main(argv, {
    builtins: defaultPlugins(),
    keep: { files: outputCache(), write: keepOutput },
  });
}
