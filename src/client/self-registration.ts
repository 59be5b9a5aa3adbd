import type { Clock, Logger, TimerHandle } from '../core/index.js';
import { exponentialBackoff } from '../resilience/index.js';
import type { AgentAnswer, AgentApi } from './agent-api.js';
import { ClientError, describeError } from './client-errors.js';
import type { ClientEvents } from './client-events.js';
import type { RegistrationPlan } from './registration-spec.js';

/** Between registration attempts while the registry is down: 250 ms doubling to 5 s, full jitter. */
const BACKOFF = exponentialBackoff({ initial: 250, max: 5_000, jitter: 'full' });
/** Without a TTL, how often to ask whether the registry still knows the instance. */
const RESYNC_MS = 30_000;

type Outcome = 'ok' | 'missing' | 'retry' | 'rejected';

export interface SelfRegistrationDeps {
  readonly api: AgentApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: ClientEvents;
  readonly random: () => number;
}

/**
 * One registered instance and its keep-alive loop: register (retrying with backoff while the
 * registry is unreachable), then pass the TTL check every TTL/3 (minus up to 20 % jitter, so a
 * fleet started together does not beat in step), and register again at once when the registry
 * answers 404 — it restarted with an empty store, or reaped the instance. Without a TTL check the
 * loop asks every 30 s whether the registry still knows the instance. One timer and at most one
 * request at a time; the timer is unref'd, so it never keeps the process alive on its own.
 */
export class SelfRegistration {
  readonly plan: RegistrationPlan;
  readonly #d: SelfRegistrationDeps;
  #registered = false;
  #everRegistered = false;
  /** A register request was sent: it may have landed even if its answer never arrived. */
  #attempted = false;
  #stopped = false;
  #failures = 0;
  #lastError = '';
  /** `undefined` when none is scheduled (`TimerHandle` is `unknown`). */
  #timer: TimerHandle;
  #running: Promise<void> | undefined;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(plan: RegistrationPlan, deps: SelfRegistrationDeps) {
    this.plan = plan;
    this.#d = deps;
  }

  get id(): string {
    return this.plan.id;
  }

  get registered(): boolean {
    return this.#registered;
  }

  /**
   * Starts the loop; resolves once the registry has accepted the instance. Rejects with
   * `SY_CLIENT_REGISTRATION_REJECTED` if it refuses (4xx), or `SY_CLIENT_REGISTRY_UNREACHABLE`
   * after `registerTimeout` — in that case the loop keeps retrying in the background.
   */
  start(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    const limit = this.plan.registerTimeoutMs;
    if (limit !== undefined) {
      const timer = this.#d.clock.setTimeout(() => this.#settle(this.#unreachable(limit)), limit);
      void done.then(
        () => this.#d.clock.clearTimeout(timer),
        () => this.#d.clock.clearTimeout(timer),
      );
    }
    this.#run();
    return done;
  }

  /** Stops the loop (waiting for a request in flight) and removes the instance from the registry. */
  async deregister(): Promise<void> {
    await this.stop();
    if (!this.#attempted) return;
    let answer: AgentAnswer;
    try {
      answer = await this.#d.api.put(`/v1/agent/service/deregister/${encodeURIComponent(this.id)}`);
    } catch (error) {
      throw this.#unreachableError(`deregister failed: ${describeError(error)}`, error);
    }
    if (answer.status >= 300) {
      throw this.#unreachableError(`deregister answered ${answer.status}: ${clip(answer.text)}`);
    }
    this.#registered = false;
    this.#d.events.emit({ type: 'deregistered', serviceId: this.id });
  }

  /** Stops the loop without deregistering (the TTL then lapses on its own). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#d.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    this.#settle(new ClientError('SY_CLIENT_CLOSED', `registration of ${this.id} was stopped`));
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    this.#running = this.#step().then(
      (delayMs) => {
        this.#running = undefined;
        if (!this.#stopped && delayMs !== undefined) {
          this.#timer = this.#d.clock.setTimeout(() => this.#run(), delayMs);
        }
      },
      (error: unknown) => {
        // #step handles every expected failure; this is a bug, which must not kill the service
        this.#running = undefined;
        this.#d.logger.error('registration loop failed', { error: describeError(error) });
        if (!this.#stopped) this.#timer = this.#d.clock.setTimeout(() => this.#run(), RESYNC_MS);
      },
    );
  }

  /** One step of the loop; returns the delay before the next, or undefined to end the loop. */
  async #step(): Promise<number | undefined> {
    const id = this.id;
    if (this.#registered) {
      const outcome = await this.#keepAlive();
      if (outcome !== 'missing') return this.#keepAliveDelay();
      this.#registered = false;
      this.#d.logger.warn('registry forgot this instance; registering again', { serviceId: id });
      this.#d.events.emit({ type: 'forgotten', serviceId: id });
    }
    const outcome = await this.#register();
    if (outcome === 'ok') {
      const again = this.#everRegistered;
      this.#registered = this.#everRegistered = true;
      this.#failures = 0;
      this.#d.logger.info(again ? 'registered again' : 'registered', { serviceId: id });
      this.#d.events.emit({ type: 'registered', serviceId: id, again });
      this.#settle(undefined);
      return this.#keepAliveDelay();
    }
    if (outcome === 'rejected') {
      this.#d.events.emit({ type: 'registration-rejected', serviceId: id, error: this.#lastError });
      this.#settle(
        new ClientError(
          'SY_CLIENT_REGISTRATION_REJECTED',
          `registry at ${this.#d.api.address} refused to register ${id}: ${this.#lastError}`,
          { details: { serviceId: id, registry: this.#d.api.address } },
        ),
      );
      return undefined;
    }
    const retryInMs = BACKOFF.next({
      retry: ++this.#failures,
      previousMs: 0,
      random: this.#d.random,
    });
    // one log line per distinct error, not one per retry, while the registry stays down
    if (this.#failures === 1) {
      this.#d.logger.warn('registration failed; retrying', {
        serviceId: id,
        error: this.#lastError,
      });
    }
    this.#d.events.emit({
      type: 'registration-failed',
      serviceId: id,
      error: this.#lastError,
      retryInMs,
    });
    return retryInMs;
  }

  async #register(): Promise<Outcome> {
    this.#attempted = true;
    const outcome = await this.#call(() =>
      this.#d.api.put('/v1/agent/service/register', this.plan.body),
    );
    if (outcome !== 'ok' || this.plan.ttl === undefined) {
      return outcome === 'missing' ? 'rejected' : outcome;
    }
    // A TTL check starts critical; pass it now rather than a third of a TTL later. A failure here
    // is only logged: the registration stands and the next heartbeat passes it.
    await this.#keepAlive(false);
    return 'ok';
  }

  /** TTL: pass the check. Otherwise: read the instance back. 'missing' = the registry forgot it. */
  async #keepAlive(report = true): Promise<Outcome> {
    const ttl = this.plan.ttl;
    const outcome = await this.#call(() =>
      ttl === undefined
        ? this.#d.api.get(`/v1/agent/service/${encodeURIComponent(this.id)}`)
        : this.#d.api.put(`/v1/agent/check/pass/${encodeURIComponent(ttl.checkId)}`),
    );
    if (!report) return outcome;
    if (ttl !== undefined && outcome === 'ok') {
      this.#d.events.emit({ type: 'heartbeat', serviceId: this.id });
    } else if (outcome === 'retry' || outcome === 'rejected') {
      this.#d.events.emit({ type: 'heartbeat-failed', serviceId: this.id, error: this.#lastError });
    }
    return outcome;
  }

  /** Runs one registry call and classifies its answer. */
  async #call(request: () => Promise<AgentAnswer>): Promise<Outcome> {
    let answer: AgentAnswer;
    try {
      answer = await request();
    } catch (error) {
      this.#lastError = `registry at ${this.#d.api.address}: ${describeError(error)}`;
      return 'retry';
    }
    if (answer.status >= 200 && answer.status < 300) return 'ok';
    this.#lastError = `registry answered ${answer.status}: ${clip(answer.text)}`;
    if (answer.status === 404) return 'missing';
    // 408 and 429 are "try later"; any other 4xx means the request itself is wrong
    const definitive = answer.status >= 400 && answer.status < 500;
    return definitive && answer.status !== 408 && answer.status !== 429 ? 'rejected' : 'retry';
  }

  #keepAliveDelay(): number {
    const ttl = this.plan.ttl;
    const base = ttl === undefined ? RESYNC_MS : ttl.ms / 3;
    return base * (1 - 0.2 * this.#d.random());
  }

  #unreachable(waitedMs: number): ClientError {
    return this.#unreachableError(
      `could not register ${this.id} within ${waitedMs} ms (still retrying): ${this.#lastError || 'no answer yet'}`,
    );
  }

  #unreachableError(message: string, cause?: unknown): ClientError {
    return new ClientError('SY_CLIENT_REGISTRY_UNREACHABLE', message, {
      details: { serviceId: this.id, registry: this.#d.api.address },
      cause,
    });
  }

  #settle(error: unknown): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || '(empty body)';
}
