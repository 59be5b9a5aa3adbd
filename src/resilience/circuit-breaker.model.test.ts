/**
 * Model-based test: random sequences of calls (sync and async, overlapping), settlements,
 * clock steps, aborts, isolate/reset and snapshot round-trips, checked after every step against
 * a small reference model of the state machine written for clarity, not speed (outcome lists
 * filtered on every call instead of ring buffers and buckets).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { circuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { ManualClock, flushMicrotasks } from './clock.js';
import { BrokenCircuitError, CancelledError, IsolatedCircuitError } from './errors.js';
import { prng } from '../../test/helpers/prng.js';

type State = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'ISOLATED';
type Verdict = 'success' | 'failure' | 'ignored';
/** How the work ends: a value ('ok' or the result-predicate's 'bad'), or an error kind. */
type Ending = 'ok' | 'bad' | 'failure' | 'benign' | 'cancelled' | 'abort';

interface ModelConfig {
  kind: 'consecutive' | 'count' | 'time';
  threshold: number; // consecutive
  size: number; // count
  bucketMs: number; // time
  buckets: number; // time
  minimumCalls: number;
  failureRate: number;
  slowRate: number;
  slowMs: number;
  cooldown: number;
  multiplier: number;
  maxCooldown: number;
  maxProbes: number;
  successThreshold: number;
  maxWait: number;
  badIsFailure: boolean; // isResultFailure flags 'bad'
  benignIsSuccess: boolean; // isFailure excuses 'benign' errors
}

interface Outcome {
  t: number;
  failed: boolean;
  slow: boolean;
}

interface ModelCall {
  epoch: number;
  probe: boolean;
  start: number;
}

type Admission =
  | { run: true; call: ModelCall }
  | { run: false; refusal: 'open'; retryAfterMs: number }
  | { run: false; refusal: 'half-open-full' | 'isolated' };

/** The reference model: the documented rules, one at a time. */
class Model {
  state: State = 'CLOSED';
  epoch = 0;
  trips = 0;
  cooldown: number;
  openUntil = 0;
  probes = 0;
  successes = 0;
  lastProgress = 0;
  consecutive = 0;
  history: Outcome[] = [];
  log: string[] = [];

  constructor(readonly c: ModelConfig) {
    this.cooldown = c.cooldown;
  }

  window(now: number): Outcome[] {
    if (this.c.kind === 'count') return this.history.slice(-this.c.size);
    if (this.c.kind === 'consecutive') return [];
    const current = Math.floor(now / this.c.bucketMs);
    return this.history.filter((o) => Math.floor(o.t / this.c.bucketMs) > current - this.c.buckets);
  }

  move(to: State, reason: string): void {
    if (to !== this.state) this.log.push(`${this.state}>${to}:${reason}`);
    this.state = to;
    this.epoch++;
    this.probes = 0;
    this.successes = 0;
  }

  trip(reason: string, at: number): void {
    if (this.state === 'HALF_OPEN') {
      this.cooldown = Math.min(this.cooldown * this.c.multiplier, this.c.maxCooldown);
    }
    this.trips++;
    this.openUntil = at + this.cooldown;
    this.move('OPEN', reason);
  }

  close(reason: string): void {
    this.history = [];
    this.consecutive = 0;
    this.cooldown = this.c.cooldown;
    this.move('CLOSED', reason);
  }

  catchUp(now: number): void {
    for (;;) {
      if (this.state === 'OPEN' && now >= this.openUntil) {
        this.move('HALF_OPEN', 'cooldown-elapsed');
      } else if (
        this.state === 'HALF_OPEN' &&
        this.probes >= this.c.maxProbes &&
        now >= this.lastProgress + this.c.maxWait
      ) {
        this.trip('half-open-timeout', this.lastProgress + this.c.maxWait);
      } else {
        return;
      }
    }
  }

  admit(now: number): Admission {
    this.catchUp(now);
    if (this.state === 'CLOSED')
      return { run: true, call: { epoch: this.epoch, probe: false, start: now } };
    if (this.state === 'OPEN')
      return { run: false, refusal: 'open', retryAfterMs: this.openUntil - now };
    if (this.state === 'ISOLATED') return { run: false, refusal: 'isolated' };
    if (this.probes >= this.c.maxProbes) return { run: false, refusal: 'half-open-full' };
    this.probes++;
    this.lastProgress = now;
    return { run: true, call: { epoch: this.epoch, probe: true, start: now } };
  }

  verdict(ending: Ending): Verdict {
    if (ending === 'cancelled' || ending === 'abort') return 'ignored';
    if (ending === 'ok') return 'success';
    if (ending === 'bad') return this.c.badIsFailure ? 'failure' : 'success';
    if (ending === 'benign') return this.c.benignIsSuccess ? 'success' : 'failure';
    return 'failure';
  }

  settle(call: ModelCall, now: number, verdict: Verdict): void {
    this.catchUp(now);
    if (call.epoch !== this.epoch) return; // a call from an earlier state does not count
    const slow = now - call.start > this.c.slowMs;
    if (call.probe) this.settleProbe(now, verdict, slow);
    else if (verdict !== 'ignored') this.record(now, verdict === 'failure', slow);
  }

  settleProbe(now: number, verdict: Verdict, slow: boolean): void {
    this.probes--;
    this.lastProgress = now;
    if (verdict === 'ignored') return;
    if (verdict === 'failure') this.trip('probe-failed', now);
    else if (slow) this.trip('probe-slow', now);
    else if (++this.successes >= this.c.successThreshold) this.close('probes-succeeded');
  }

  record(now: number, failed: boolean, slow: boolean): void {
    if (this.c.kind === 'consecutive') {
      this.consecutive = failed || slow ? this.consecutive + 1 : 0;
      if (this.consecutive >= this.c.threshold) this.trip('consecutive-failures', now);
      return;
    }
    this.consecutive = failed ? this.consecutive + 1 : 0;
    this.history.push({ t: now, failed, slow });
    const w = this.window(now);
    this.history = w; // older outcomes can never count again
    if (w.length < this.c.minimumCalls) return;
    if (w.filter((o) => o.failed).length / w.length >= this.c.failureRate) {
      this.trip('failure-rate', now);
    } else if (w.filter((o) => o.slow).length / w.length >= this.c.slowRate) {
      this.trip('slow-call-rate', now);
    }
  }
}

const BASE: ModelConfig = {
  kind: 'consecutive',
  threshold: 5,
  size: 0,
  bucketMs: 0,
  buckets: 0,
  minimumCalls: 0,
  failureRate: 0,
  slowRate: Infinity,
  slowMs: Infinity,
  cooldown: 30_000,
  multiplier: 1,
  maxCooldown: 30_000,
  maxProbes: 1,
  successThreshold: 2,
  maxWait: 60_000,
  badIsFailure: false,
  benignIsSuccess: false,
};

const isResultFailure = (r: unknown) => r === 'bad';
const isFailure = (e: unknown) => !(e as { benign?: boolean }).benign;

const SCENARIOS: { name: string; options: CircuitBreakerOptions; model: ModelConfig }[] = [
  {
    name: 'consecutive, one probe',
    options: { failureThreshold: 3, cooldown: 100, halfOpen: { maxWait: 250 } },
    model: { ...BASE, threshold: 3, cooldown: 100, maxCooldown: 100, maxWait: 250 },
  },
  {
    name: 'consecutive, 3 probes, backoff, eager timer',
    options: {
      failureThreshold: 2,
      cooldown: 50,
      cooldownBackoff: { multiplier: 2, max: 300 },
      halfOpen: { maxProbes: 3, successThreshold: 3, maxWait: 120 },
      eagerHalfOpen: true,
    },
    model: {
      ...BASE,
      threshold: 2,
      cooldown: 50,
      multiplier: 2,
      maxCooldown: 300,
      maxProbes: 3,
      successThreshold: 3,
      maxWait: 120,
    },
  },
  {
    name: 'consecutive with slow calls and predicates',
    options: {
      failureThreshold: 3,
      slowCall: { duration: 20 },
      cooldown: 40,
      halfOpen: { maxProbes: 2, successThreshold: 2, maxWait: 90 },
      isFailure,
      isResultFailure,
    },
    model: {
      ...BASE,
      threshold: 3,
      slowMs: 20,
      cooldown: 40,
      maxCooldown: 40,
      maxProbes: 2,
      maxWait: 90,
      badIsFailure: true,
      benignIsSuccess: true,
    },
  },
  {
    name: 'count window with slow-call rate',
    options: {
      window: { type: 'count', size: 5, minimumCalls: 3, failureRateThreshold: 0.6 },
      slowCall: { duration: 30, rateThreshold: 0.5 },
      cooldown: 80,
      cooldownBackoff: { multiplier: 1.5, max: 200 },
      halfOpen: { maxProbes: 2, successThreshold: 2, maxWait: 200 },
      isResultFailure,
    },
    model: {
      ...BASE,
      kind: 'count',
      size: 5,
      minimumCalls: 3,
      failureRate: 0.6,
      slowMs: 30,
      slowRate: 0.5,
      cooldown: 80,
      multiplier: 1.5,
      maxCooldown: 200,
      maxProbes: 2,
      maxWait: 200,
      badIsFailure: true,
    },
  },
  {
    name: 'time window',
    options: {
      window: {
        type: 'time',
        duration: 200,
        buckets: 4,
        minimumCalls: 3,
        failureRateThreshold: 0.5,
      },
      cooldown: 60,
      halfOpen: { maxProbes: 2, successThreshold: 1, maxWait: 100 },
      isFailure,
    },
    model: {
      ...BASE,
      kind: 'time',
      bucketMs: 50,
      buckets: 4,
      minimumCalls: 3,
      failureRate: 0.5,
      cooldown: 60,
      maxCooldown: 60,
      maxProbes: 2,
      successThreshold: 1,
      maxWait: 100,
      benignIsSuccess: true,
    },
  },
];

interface InFlight {
  call: ModelCall;
  resolve: (value: string) => void;
  reject: (error: unknown) => void;
  controller: AbortController | undefined;
  /** What the caller saw, once the breaker's promise settled. */
  seen: { value?: unknown; error?: unknown } | undefined;
}

function errorFor(ending: Ending): unknown {
  if (ending === 'cancelled') return new CancelledError();
  return Object.assign(new Error(ending), { benign: ending === 'benign' });
}

const ENDINGS: Ending[] = ['ok', 'ok', 'ok', 'bad', 'failure', 'failure', 'benign', 'cancelled'];
const STEPS_MS = [1, 5, 19, 20, 21, 30, 49, 50, 60, 100, 150, 300];
const SYNC_MS = [0, 0, 0, 0, 10, 20, 21, 35, 95, 130, 260]; // some outlast maxWait

async function runSequence(
  scenario: (typeof SCENARIOS)[number],
  seed: number,
  seenReasons: Set<string>,
): Promise<void> {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const clock = new ManualClock(Math.floor(rand() * 1_000));
  const breaker = circuitBreaker({ ...scenario.options, clock });
  const model = new Model(scenario.model);
  const log: string[] = [];
  breaker.onStateChange((e) => log.push(`${e.from}>${e.to}:${e.reason}`));
  const inFlight: InFlight[] = [];
  const where = (step: number, what: string) =>
    `${scenario.name}, seed ${seed}, step ${step} (${what})`;

  const checkRefusal = (admission: Admission, error: unknown, at: string) => {
    assert.ok(!admission.run);
    if (admission.refusal === 'isolated')
      return assert.ok(error instanceof IsolatedCircuitError, at);
    assert.ok(error instanceof BrokenCircuitError, at);
    assert.equal(error.state, admission.refusal === 'open' ? 'OPEN' : 'HALF_OPEN', at);
    if (admission.refusal === 'open') assert.equal(error.retryAfterMs, admission.retryAfterMs, at);
  };

  for (let step = 0; step < 60; step++) {
    const r = rand();
    let what: string;
    if (r < 0.25) {
      what = 'async call';
      const admission = model.admit(clock.now());
      const controller = rand() < 0.25 ? new AbortController() : undefined;
      let ran = false;
      let resolve!: (v: string) => void;
      let reject!: (e: unknown) => void;
      const promise = breaker.execute(
        ({ signal }) => {
          ran = true;
          return new Promise<string>((res, rej) => {
            resolve = res;
            reject = rej;
            signal?.addEventListener('abort', () => rej(signal.reason));
          });
        },
        controller && { signal: controller.signal },
      );
      assert.equal(ran, admission.run, where(step, what));
      if (admission.run) {
        const entry: InFlight = {
          call: admission.call,
          resolve,
          reject,
          controller,
          seen: undefined,
        };
        promise.then(
          (value) => (entry.seen = { value }),
          (error: unknown) => (entry.seen = { error }),
        );
        inFlight.push(entry);
      } else {
        checkRefusal(admission, await promise.catch((e: unknown) => e), where(step, what));
      }
    } else if (r < 0.45) {
      const ending = pick(ENDINGS.filter((e) => e !== 'cancelled' || rand() < 0.5));
      const ms = pick(SYNC_MS);
      what = `sync call (${ending}, ${ms} ms)`;
      const admission = model.admit(clock.now());
      let ran = false;
      const promise = breaker.execute(() => {
        ran = true;
        clock.advance(ms);
        if (ending === 'ok' || ending === 'bad') return ending;
        throw errorFor(ending);
      });
      assert.equal(ran, admission.run, where(step, what));
      if (admission.run) {
        model.settle(admission.call, clock.now(), model.verdict(ending));
        await promise.catch(() => undefined);
      } else {
        checkRefusal(admission, await promise.catch((e: unknown) => e), where(step, what));
      }
    } else if (r < 0.7 && inFlight.length > 0) {
      const entry = inFlight.splice(Math.floor(rand() * inFlight.length), 1)[0]!;
      const endings = entry.controller ? [...ENDINGS, 'abort' as const] : ENDINGS;
      const ending = pick(endings);
      what = `settle (${ending})`;
      const error = errorFor(ending);
      if (ending === 'abort') entry.controller!.abort(error);
      else if (ending === 'ok' || ending === 'bad') entry.resolve(ending);
      else entry.reject(error);
      await flushMicrotasks();
      model.settle(entry.call, clock.now(), model.verdict(ending));
      const expected = ending === 'ok' || ending === 'bad' ? { value: ending } : { error };
      assert.deepEqual(entry.seen, expected, where(step, what));
    } else if (r < 0.88) {
      const ms = pick(STEPS_MS);
      what = `advance ${ms} ms`;
      clock.advance(ms);
    } else if (r < 0.91) {
      what = 'call with an aborted signal';
      const controller = new AbortController();
      controller.abort();
      let ran = false;
      const error = await breaker
        .execute(() => (ran = true), { signal: controller.signal })
        .catch((e: unknown) => e);
      assert.ok(error instanceof CancelledError && !ran, where(step, what));
    } else if (r < 0.93) {
      what = 'isolate';
      breaker.isolate();
      model.move('ISOLATED', 'isolate');
    } else if (r < 0.96) {
      what = 'reset';
      breaker.reset();
      model.close('reset');
    } else {
      what = 'snapshot round-trip';
      model.catchUp(clock.now());
      breaker.restore(JSON.parse(JSON.stringify(breaker.snapshot())));
      const successes = model.state === 'HALF_OPEN' ? model.successes : 0;
      model.move(model.state, 'restore');
      model.successes = successes;
    }

    const now = clock.now();
    model.catchUp(now);
    const at = where(step, what);
    assert.equal(breaker.state, model.state, at);
    assert.deepEqual(log, model.log, at);
    const snap = breaker.snapshot();
    assert.equal(snap.trips, model.trips, at);
    assert.equal(snap.halfOpenSuccesses, model.successes, at);
    assert.equal(snap.retryAfterMs, model.state === 'OPEN' ? model.openUntil - now : 0, at);
    assert.equal(snap.cooldownMs, model.cooldown, at);
    assert.equal(snap.consecutiveFailures, model.consecutive, at);
    if (model.c.kind !== 'consecutive') {
      const w = model.window(now);
      assert.equal(snap.window?.calls, w.length, at);
      assert.equal(snap.window.failures, w.filter((o) => o.failed).length, at);
      assert.equal(snap.window.slowCalls, w.filter((o) => o.slow).length, at);
    }
  }
  for (const entry of model.log) seenReasons.add(entry.split(':')[1]!);
}

describe('circuitBreaker: model-based', () => {
  const seenReasons = new Set<string>();

  for (const scenario of SCENARIOS) {
    test(`${scenario.name}: 80 random sequences match the reference model`, async () => {
      for (let seed = 1; seed <= 80; seed++) await runSequence(scenario, seed * 7919, seenReasons);
    });
  }

  test('the sequences reached every kind of transition', () => {
    const expected = [
      'consecutive-failures',
      'failure-rate',
      'slow-call-rate',
      'cooldown-elapsed',
      'probe-failed',
      'probe-slow',
      'probes-succeeded',
      'half-open-timeout',
      'isolate',
      'reset',
    ];
    assert.deepEqual(
      expected.filter((reason) => !seenReasons.has(reason)),
      [],
    );
  });
});
