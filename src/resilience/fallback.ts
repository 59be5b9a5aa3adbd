import { Emitter } from './events.js';
import { functionOr, optionsObject, rejectUnknown } from './options.js';
import { EMPTY_CONTEXT, type Dispose, type ExecuteOptions, type Work } from './types.js';

/** What a fallback factory is told: the failure, and the caller's signal. */
export interface FallbackInfo {
  /** What the call threw, or… */
  readonly error?: unknown;
  /** …the result `isResultFailure` rejected. */
  readonly result?: unknown;
  readonly signal: AbortSignal | undefined;
}

/** Computes the fallback value; it may be async. Its own errors reject the call. */
export type FallbackFactory<R> = (info: FallbackInfo) => R | PromiseLike<R>;

/** Emitted when the fallback is used (before a factory is called). */
export interface FallbackEvent {
  readonly error?: unknown;
  readonly result?: unknown;
}

/** Options for `fallback()`; every one is optional. */
export interface FallbackOptions {
  // method syntax (bivariant parameters) so a `(res: Response) => boolean` fits
  /** Which errors fall back. Default: all but `CancelledError` (code `SY_RES_CANCELLED`). */
  isFailure?(error: unknown): boolean;
  // method syntax (bivariant parameters) so a `(res: Response) => boolean` fits
  /** Which returned values fall back (e.g. `r.status >= 500`). Default: none. */
  isResultFailure?(result: unknown): boolean;
}

/** The default `isFailure`: anything but a cancellation, which the caller asked for. */
function notCancelled(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code !== 'SY_RES_CANCELLED';
}

/**
 * A fallback policy; build one with `fallback()`. Its `execute` resolves to the work's value or the
 * fallback's, so its type is `Promise<T | R>` rather than `Policy`'s `Promise<T>`.
 */
export class FallbackPolicy<R> {
  readonly #fallback: R | FallbackFactory<R>;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly #fallbacks = new Emitter<FallbackEvent>();

  /** @internal Use `fallback()`, which validates the options. */
  constructor(
    fallback: R | FallbackFactory<R>,
    isFailure: (error: unknown) => boolean,
    isResultFailure: ((result: unknown) => boolean) | undefined,
  ) {
    this.#fallback = fallback;
    this.#isFailure = isFailure;
    this.#isResultFailure = isResultFailure;
  }

  /** Listens for calls answered by the fallback. */
  onFallback(listener: (event: FallbackEvent) => void): Dispose {
    return this.#fallbacks.on(listener);
  }

  execute<T>(fn: Work<T>, options?: ExecuteOptions): Promise<T | R> {
    // hot path: not async; without a signal the handlers are prebound, so a successful call
    // allocates only the promise `then` returns.
    const signal = options?.signal;
    let value: T | PromiseLike<T>;
    try {
      value = fn(signal === undefined ? EMPTY_CONTEXT : { signal });
    } catch (error) {
      return this.#recover(true, error, signal);
    }
    const promise = Promise.resolve(value);
    if (signal === undefined) {
      return this.#isResultFailure === undefined
        ? promise.then(undefined, this.#onError)
        : promise.then<T | R, R>(this.#onResult as (result: T) => T | Promise<R>, this.#onError);
    }
    const onError = (error: unknown) => this.#recover(true, error, signal);
    if (this.#isResultFailure === undefined) return promise.then(undefined, onError);
    return promise.then<T | R, R>((result) => this.#checkResult(result, signal), onError);
  }

  readonly #onError = (error: unknown): Promise<R> => this.#recover(true, error, undefined);
  readonly #onResult = (result: unknown): unknown => this.#checkResult(result, undefined);

  #checkResult<T>(result: T, signal: AbortSignal | undefined): T | Promise<R> {
    return this.#isResultFailure!(result) ? this.#recover(false, result, signal) : result;
  }

  /** A failed call: falls back, unless the caller cancelled or `isFailure` declines. */
  async #recover(threw: boolean, outcome: unknown, signal: AbortSignal | undefined): Promise<R> {
    if (threw && (signal?.aborted || !this.#isFailure(outcome))) throw outcome;
    if (this.#fallbacks.active)
      this.#fallbacks.emit(threw ? { error: outcome } : { result: outcome });
    if (typeof this.#fallback !== 'function') return this.#fallback;
    const factory = this.#fallback as FallbackFactory<R>;
    return factory(threw ? { error: outcome, signal } : { result: outcome, signal });
  }
}

/**
 * Answers a failed call with a value, or with what `factory({ error, result, signal })` returns.
 * Errors fall back unless they are cancellations (or the caller's signal has aborted); results
 * fall back when `isResultFailure` says so. To fall back to a function value, return it from a
 * factory.
 *
 * @example
 * const cached = fallback(({ error }) => cache.get('prices') ?? Promise.reject(error));
 * const prices = await cached.execute(({ signal }) => fetchPrices(signal));
 */
export function fallback<R>(
  valueOrFactory: R | FallbackFactory<R>,
  options?: FallbackOptions,
): FallbackPolicy<R> {
  const o = optionsObject('fallback', options);
  rejectUnknown('fallback', o, ['isFailure', 'isResultFailure']);
  return new FallbackPolicy<R>(
    valueOrFactory,
    functionOr('fallback.isFailure', o.isFailure, notCancelled),
    functionOr('fallback.isResultFailure', o.isResultFailure, undefined),
  );
}
