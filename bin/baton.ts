#!/usr/bin/env node
import { main } from '../core/internal.js';
import { defaultPlugins } from './default-plugins.js';

process.exitCode = await main(process.argv.slice(2), { builtins: defaultPlugins() });
