import type { CheckState, KvEntry, ServiceInstance } from '../catalog/model.js';

/**
 * Where the catalog keeps its state durably. The catalog holds everything in memory and writes
 * each change through the store before answering the client, so an accepted write survives a
 * crash (`kill -9`). Implementations: SQLite (embedded, the default) and, later, etcd. One
 * contract suite (`registry-store.contract.ts`) runs against every implementation.
 *
 * Contract beyond the signatures: concurrent `apply` calls commit in call order; a store keeps
 * its own copy of what it is given and hands out copies (callers may not mutate shared objects).
 */
export interface RegistryStore {
  /** Reads everything back, e.g. after a restart. */
  load(): Promise<StoredState>;
  /** Applies the writes atomically (all or none), in order. */
  apply(writes: readonly StoreWrite[]): Promise<void>;
  close(): Promise<void>;
}

export interface StoredState {
  /** The highest index ever handed out (0 for a new store). */
  readonly index: number;
  readonly services: readonly ServiceInstance[];
  readonly checks: readonly CheckState[];
  readonly kv: readonly KvEntry[];
}

export type StoreWrite =
  | { readonly op: 'putService'; readonly service: ServiceInstance }
  | { readonly op: 'deleteService'; readonly id: string }
  | { readonly op: 'putCheck'; readonly check: CheckState }
  | { readonly op: 'deleteCheck'; readonly id: string }
  | { readonly op: 'putKv'; readonly entry: KvEntry }
  | { readonly op: 'deleteKv'; readonly key: string }
  | { readonly op: 'setIndex'; readonly index: number };
