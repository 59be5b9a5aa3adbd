import type { Clock } from './clock.js';
import { CancelledError } from './errors.js';

/**
 * AbortSignal plumbing without `AbortSignal.any` / `AbortSignal.timeout`, which leak and cost
 * 5–50 µs per call on Node 20. Every listener and timer added here is removed when the wait ends.
 */

export function cancelledBy(signal: AbortSignal): CancelledError {
  return new CancelledError(signal.reason);
}

/** Waits `ms` on `clock`; rejects with `CancelledError` (and clears the timer) if `signal` aborts. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledBy(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(cancelledBy(signal!));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortController that also aborts when `parent` does; call `dispose()` when done with it. */
export interface LinkedController {
  readonly controller: AbortController;
  dispose(): void;
}

export function linkedController(parent: AbortSignal | undefined): LinkedController {
  const controller = new AbortController();
  if (!parent) return { controller, dispose: noop };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: noop };
  }
  const forward = () => controller.abort(parent.reason);
  parent.addEventListener('abort', forward, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', forward) };
}

function noop(): void {}
