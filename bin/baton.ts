#!/usr/bin/env node
import { main } from '../core/index.js';
import { defaultPlugins } from './default-plugins.js';

process.exitCode = await main(process.argv.slice(2), { builtins: defaultPlugins() });
