import type { Dispose } from './types.js';

export type Listener<E> = (event: E) => void;

/**
 * A minimal typed event source. `active` is false until someone listens, so a policy can skip
 * building event objects entirely (observability costs nothing unless someone subscribes).
 * A listener that throws does not break the call: its error is rethrown on a later tick.
 */
export class Emitter<E> {
  #listeners: Listener<E>[] = [];
  active = false;

  /** Adds a listener; the returned function removes it. */
  on(listener: Listener<E>): Dispose {
    this.#listeners = [...this.#listeners, listener];
    this.active = true;
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
      this.active = this.#listeners.length > 0;
    };
  }

  emit(event: E): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }
}
