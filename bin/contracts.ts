/**
 * The contracts the built-in plugins publish (`runner.hooksOf('engine')`, `'marathon'`, `'vip'`,
 * `'discovery'`, `'marathon-lb'`), for third-party plugins: `import type {} from 'baton/contracts'`
 * brings their types into a program, after which `hooksOf` and `Contract<'engine'>['api']` are typed
 * (core/contracts.ts explains the mechanism). Types only: nothing here runs.
 */
export type {} from '../plugins/engine/contract.js';
export type {} from '../plugins/marathon/contract.js';
export type {} from '../plugins/marathon-lb/contract.js';
export type {} from '../plugins/vip/contract.js';
export type {} from '../plugins/discovery/contract.js';
