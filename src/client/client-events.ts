/**
 * What the SDK reports through `sy.onEvent(listener)`: registration, heartbeats and the shutdown
 * sequence, one plain object per event. Tests and dashboards wait on these instead of sleeping.
 */
export type ClientEvent =
  /** The registry accepted the instance (`again`: after it had forgotten it, e.g. a restart). */
  | { readonly type: 'registered'; readonly serviceId: string; readonly again: boolean }
  /** A registration attempt failed; the next one runs in `retryInMs`. */
  | {
      readonly type: 'registration-failed';
      readonly serviceId: string;
      readonly error: string;
      readonly retryInMs: number;
    }
  /** The registry refused the registration (a 4xx): fix the input; no retry. */
  | { readonly type: 'registration-rejected'; readonly serviceId: string; readonly error: string }
  /** A TTL heartbeat succeeded. */
  | { readonly type: 'heartbeat'; readonly serviceId: string }
  /** A heartbeat failed (registry down or slow); the next runs on schedule. */
  | { readonly type: 'heartbeat-failed'; readonly serviceId: string; readonly error: string }
  /** The registry no longer knows the instance (404); it re-registers at once. */
  | { readonly type: 'forgotten'; readonly serviceId: string }
  | { readonly type: 'deregistered'; readonly serviceId: string }
  /** A step of the graceful shutdown sequence started. */
  | {
      readonly type: 'shutdown';
      readonly phase: 'deregister' | 'propagation' | 'close' | 'drain' | 'exit';
      readonly inflight: number;
    };

export type ClientEventListener = (event: ClientEvent) => void;

/** A listener set whose `emit` costs a size check when nobody listens. */
export class ClientEvents {
  readonly #listeners = new Set<ClientEventListener>();

  on(listener: ClientEventListener): () => void {
    const entry: ClientEventListener = (e) => listener(e);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  emit(event: ClientEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a listener's bug must not break registration or shutdown
      }
    }
  }
}
