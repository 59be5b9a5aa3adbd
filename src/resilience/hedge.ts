import { cancelledBy, linkedController, type LinkedController } from './abort.js';
import type { Clock, TimerHandle } from './clock.js';
import { CancelledError } from './errors.js';
import { Emitter } from './events.js';
import { durationOr, integerOr, optionsObject, rejectUnknown, type Duration } from './options.js';
import { clockOr } from './retry-budget.js';
import type { Dispose, ExecuteOptions, Policy, Work } from './types.js';

/** What `hedge` gives the work: its own signal (aborted if another attempt wins) and its number. */
export interface HedgeContext {
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first hedge… */
  readonly attempt: number;
}

/** Emitted when a hedged attempt starts. */
export interface HedgeEvent {
  /** The attempt being started (2 for the first hedge). */
  readonly attempt: number;
  /** `delay`: the earlier attempts were slow; `failure`: one of them failed. */
  readonly reason: 'delay' | 'failure';
  /** The failure that started this attempt, when `reason` is `failure`. */
  readonly error?: unknown;
}

/** Options for `hedge()`; every one is optional. */
export interface HedgeOptions {
  /** How long an attempt may run before the next starts; 0 starts all at once. Default `2s`. */
  delay?: Duration;
  /** Extra attempts beyond the first. Default 1. */
  maxHedges?: number;
  clock?: Clock;
}

/** The signal reason a losing attempt sees. */
const SUPERSEDED = 'hedge: another attempt succeeded first';

/** A hedging policy; build one with `hedge()`. */
export class HedgePolicy implements Policy<HedgeContext> {
  readonly #hedges = new Emitter<HedgeEvent>();

  /** @internal Use `hedge()`, which validates the options. */
  constructor(
    readonly delayMs: number,
    readonly maxHedges: number,
    readonly clock: Clock,
  ) {}

  /** Listens for hedged attempts as they start. */
  onHedge(listener: (event: HedgeEvent) => void): Dispose {
    return this.#hedges.on(listener);
  }

  execute<T>(fn: Work<T, HedgeContext>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(cancelledBy(signal));
    return new Promise<T>((resolve, reject) => {
      new HedgedCall(this, this.#hedges, fn, signal, resolve, reject).begin();
    });
  }
}

/** One `execute` call: its attempts, their controllers, the hedge timer. */
class HedgedCall<T> {
  #started = 0;
  #running = 0;
  #settled = false;
  #timer: TimerHandle = undefined;
  readonly #links: LinkedController[] = [];

  constructor(
    private readonly policy: HedgePolicy,
    private readonly events: Emitter<HedgeEvent>,
    private readonly fn: Work<T, HedgeContext>,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  begin(): void {
    this.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#launch('delay', undefined);
    if (this.policy.delayMs > 0) return;
    while (!this.#settled && this.#started <= this.policy.maxHedges) {
      this.#launch('delay', undefined);
    }
  }

  #launch(reason: HedgeEvent['reason'], error: unknown): void {
    const attempt = ++this.#started;
    this.#running++;
    const link = linkedController(this.signal);
    this.#links.push(link);
    if (attempt > 1 && this.events.active) {
      this.events.emit(reason === 'failure' ? { attempt, reason, error } : { attempt, reason });
    }
    try {
      Promise.resolve(this.fn({ signal: link.controller.signal, attempt })).then(
        (result) => this.#win(link, result),
        (failure) => this.#fail(failure),
      );
    } catch (thrown) {
      // A synchronous throw fails the attempt on a later tick, like an async failure would, so
      // `#fail` never runs inside `begin`'s loop.
      void Promise.resolve(thrown).then((failure) => this.#fail(failure));
    }
    this.#schedule();
  }

  /** (Re)arms the hedge timer, measured from the latest start. */
  #schedule(): void {
    if (this.#timer !== undefined) this.policy.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.policy.delayMs === 0 || this.#started > this.policy.maxHedges) return;
    this.#timer = this.policy.clock.setTimeout(this.#onTimer, this.policy.delayMs);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (!this.#settled) this.#launch('delay', undefined);
  };

  #win(winner: LinkedController, result: T): void {
    if (this.#settled) return;
    const losers = this.#links.length > 1;
    this.#finish(winner, losers ? new CancelledError(SUPERSEDED) : undefined);
    this.resolve(result);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#running--;
    if (this.#started <= this.policy.maxHedges) return this.#launch('failure', error);
    if (this.#running > 0) return; // later attempts may still succeed
    this.#finish(undefined, undefined);
    this.reject(error); // every attempt failed: the last failure is the answer
  }

  readonly #onAbort = (): void => {
    if (this.#settled) return;
    // Our listener may run before the linked controllers' own, which `#finish` removes.
    this.#finish(undefined, this.signal!.reason);
    this.reject(cancelledBy(this.signal!));
  };

  /** Settles the call: no timer, no listener; given a `reason`, all but the winner abort. */
  #finish(winner: LinkedController | undefined, reason: unknown): void {
    this.#settled = true;
    if (this.#timer !== undefined) this.policy.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.signal?.removeEventListener('abort', this.#onAbort);
    for (const link of this.#links) {
      link.dispose();
      if (reason !== undefined && link !== winner) link.controller.abort(reason);
    }
  }
}

/**
 * Hedging: if an attempt has not settled after `delay`, starts another, up to `maxHedges` extra
 * attempts; a failed attempt starts the next one at once (as in Polly). The first success wins and
 * the others' signals abort. If all fail, the call rejects with the last failure. Use it only for
 * idempotent work, and set `delay` near the work's p95 latency.
 *
 * @example
 * const fast = hedge({ delay: '150ms', maxHedges: 2 });
 * const user = await fast.execute(({ signal }) => fetch(`${replica()}/users/7`, { signal }));
 */
export function hedge(options?: HedgeOptions): HedgePolicy {
  const o = optionsObject('hedge', options);
  rejectUnknown('hedge', o, ['delay', 'maxHedges', 'clock']);
  return new HedgePolicy(
    durationOr('hedge.delay', o.delay, 2000),
    integerOr('hedge.maxHedges', o.maxHedges, 1, 0),
    clockOr('hedge.clock', o.clock),
  );
}
