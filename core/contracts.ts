/**
 * Contracts between plugins, declared once by their owner and typed for every consumer.
 *
 * A plugin that publishes hooks (`runner.publishHooks`) describes them — and the types its hooks
 * hand out — in a types-only `contract.ts` of its own, which adds an entry here by declaration
 * merging:
 *
 * ```ts
 * declare module 'baton' {            // inside Baton: '../../core/index.js'
 *   interface PluginContracts {
 *     engine: { hooks: EngineHooks; api: EngineApi };
 *   }
 * }
 * ```
 *
 * Consumers import nothing of the owner's: `runner.hooksOf('engine')` is typed from the entry,
 * and `Contract<'engine'>['api']` names a type the hooks hand out. A consumer that taps a hook
 * wrongly does not compile. Third-party plugins get the built-in contracts with
 * `import type {} from 'baton/contracts'` and add their own the same way.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface PluginContracts {}

/** What every contract has: the hooks object its owner publishes. */
export interface ContractShape {
  hooks: object;
}

/** The owners that declared a contract. */
export type ContractOwner = keyof PluginContracts & string;

/** One owner's contract: its `hooks` and the named types that go with them. */
export type Contract<K extends ContractOwner> = PluginContracts[K];

/** The hooks object of an owner. */
export type HooksOf<K extends ContractOwner> = PluginContracts[K] extends ContractShape
  ? PluginContracts[K]['hooks']
  : never;
