import { SwitchyardError } from '../../core/errors.js';
import type { CheckState, KvEntry, ServiceInstance } from '../catalog/model.js';
import type { RegistryStore, StoredState, StoreWrite } from './registry-store.js';
import { validateStoreWrites } from './validate-store-writes.js';

/**
 * A `RegistryStore` that keeps everything in process memory and loses it on exit: for unit tests
 * and `--data-dir :memory:`. It copies what it is given and what it hands out, so a caller that
 * mutates an object (or a KV value's bytes) after `apply` cannot change what is stored — the same
 * isolation a real database gives.
 *
 * @example
 * const store = new MemoryStore();
 * await store.apply([{ op: 'setIndex', index: 7 }]);
 * (await store.load()).index; // 7
 */
export class MemoryStore implements RegistryStore {
  #index = 0;
  readonly #services = new Map<string, ServiceInstance>();
  readonly #checks = new Map<string, CheckState>();
  readonly #kv = new Map<string, KvEntry>();
  #closed = false;

  /** Copies of everything stored (Map order: first insertion of each id or key). */
  load(): Promise<StoredState> {
    if (this.#closed) return Promise.reject(closedError());
    return Promise.resolve({
      index: this.#index,
      services: Array.from(this.#services.values(), (s) => structuredClone(s)),
      checks: Array.from(this.#checks.values(), (c) => structuredClone(c)),
      kv: Array.from(this.#kv.values(), (e) => structuredClone(e)),
    });
  }

  /** Validates the whole batch first, so an invalid write leaves nothing applied. */
  apply(writes: readonly StoreWrite[]): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    let copies: StoreWrite[];
    try {
      validateStoreWrites(writes);
      // Copy before mutating anything: structuredClone is the only step that could still throw.
      copies = writes.map(copyWrite);
    } catch (error) {
      return Promise.reject(error);
    }
    for (const write of copies) this.#applyOne(write);
    return Promise.resolve();
  }

  /** Further calls to `load`/`apply` reject with `SY_REG_STORE_CLOSED`; closing twice is fine. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #applyOne(write: StoreWrite): void {
    switch (write.op) {
      case 'putService':
        this.#services.set(write.service.id, write.service);
        break;
      case 'deleteService':
        this.#services.delete(write.id);
        break;
      case 'putCheck':
        this.#checks.set(write.check.definition.id, write.check);
        break;
      case 'deleteCheck':
        this.#checks.delete(write.id);
        break;
      case 'putKv':
        this.#kv.set(write.entry.key, write.entry);
        break;
      case 'deleteKv':
        this.#kv.delete(write.key);
        break;
      case 'setIndex':
        this.#index = write.index;
        break;
    }
  }
}

function copyWrite(write: StoreWrite): StoreWrite {
  switch (write.op) {
    case 'putService':
      return { op: write.op, service: structuredClone(write.service) };
    case 'putCheck':
      return { op: write.op, check: structuredClone(write.check) };
    case 'putKv':
      return { op: write.op, entry: structuredClone(write.entry) };
    default:
      return write; // only primitives: nothing a caller could change later
  }
}

function closedError(): SwitchyardError {
  return new SwitchyardError('SY_REG_STORE_CLOSED', 'the registry store is closed');
}
