import { SwitchyardError, isSwitchyardError } from '../../../core/errors.js';
import type { Clock, TimerHandle } from '../../../resilience/clock.js';
import type { AggregateRequest, AggregateResult, PartCall, PartResponse } from './aggregator.js';
import type { PathTemplate } from './path-template.js';

/** A part after `createAggregator` checked and compiled it. */
export interface CompiledPart {
  readonly name: string;
  readonly service: string;
  readonly template: PathTemplate;
  readonly timeoutMs: number;
  readonly optional: boolean;
}

/** What every run of one aggregator shares. */
export interface RunShared {
  readonly parts: readonly CompiledPart[];
  readonly call: PartCall;
  readonly clock: Clock;
  readonly maxBodyBytes: number;
}

interface Failure {
  readonly reason: string;
  readonly timedOut: boolean;
}

/** Error codes (ours, resilience's, undici's) that mean "the upstream did not answer in time". */
const TIMEOUT_CODES = new Set([
  'SY_GW_UPSTREAM_TIMEOUT',
  'SY_RES_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;
const ACCEPT: [string, string] = ['accept', 'application/json'];

/**
 * One fan-out: a slot per part (controller, timer, value, error), settled at most once each.
 * Settles the run as soon as the answer is known — a required failure does not wait for the
 * others, which are aborted instead.
 */
export class AggregateRun {
  readonly #shared: RunShared;
  readonly #request: AggregateRequest;
  readonly #deadlineMs: number | undefined;
  readonly #controllers: (AbortController | undefined)[] = [];
  readonly #timers: TimerHandle[] = []; // `undefined` once cleared (TimerHandle is opaque)
  readonly #values: unknown[] = [];
  readonly #errors: (string | undefined)[] = [];
  #pending: number;
  #done = false;
  #resolve: (result: AggregateResult) => void = () => {};

  constructor(shared: RunShared, request: AggregateRequest, deadlineMs: number | undefined) {
    this.#shared = shared;
    this.#request = request;
    this.#deadlineMs = deadlineMs;
    this.#pending = shared.parts.length;
  }

  start(): Promise<AggregateResult> {
    const promise = new Promise<AggregateResult>((resolve) => (this.#resolve = resolve));
    const { parts } = this.#shared;
    // Render every path first: a bad parameter is the client's 400 and nothing is sent.
    const paths: string[] = [];
    try {
      for (const part of parts) paths.push(part.template.render(this.#request.params));
    } catch (error) {
      this.#finish(errorResult(error, 400));
      return promise;
    }
    const signal = this.#request.signal;
    if (signal?.aborted) {
      this.#finish(cancelled());
      return promise;
    }
    signal?.addEventListener('abort', this.#onCancel, { once: true });
    const headers = withAccept(this.#request.headers);
    for (let i = 0; i < parts.length && !this.#done; i++) this.#startPart(i, paths[i]!, headers);
    return promise;
  }

  #startPart(i: number, path: string, headers: readonly [string, string][]): void {
    const part = this.#shared.parts[i]!;
    const deadline = this.#deadlineMs;
    const byDeadline = deadline !== undefined && deadline < part.timeoutMs;
    const limit = byDeadline ? deadline : part.timeoutMs;
    const reason = byDeadline
      ? `did not finish within the ${limit}ms deadline`
      : `timed out after ${limit}ms`;
    const controller = new AbortController();
    this.#controllers[i] = controller;
    this.#timers[i] = this.#shared.clock.setTimeout(() => {
      this.#timers[i] = undefined;
      this.#fail(i, { reason, timedOut: true });
    }, limit);
    let pending: Promise<PartResponse>;
    try {
      pending = this.#shared.call(part.service, path, {
        headers,
        timeoutMs: limit,
        signal: controller.signal,
        maxBodyBytes: this.#shared.maxBodyBytes,
      });
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (response) => this.#answer(i, response),
      (error: unknown) => this.#fail(i, failureOf(error)),
    );
  }

  #answer(i: number, response: PartResponse): void {
    if (this.#done || this.#controllers[i] === undefined) return;
    const { status, body } = response;
    if (status < 200 || status > 299)
      return this.#fail(i, { reason: `upstream answered ${status}`, timedOut: false });
    if (body.length > this.#shared.maxBodyBytes)
      return this.#fail(i, {
        reason: `body is over the ${this.#shared.maxBodyBytes}-byte limit`,
        timedOut: false,
      });
    let value: unknown = null;
    if (status !== 204 && status !== 205) {
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        const type = response.headers['content-type'];
        return this.#fail(i, {
          reason: `upstream answered non-JSON (${String(type ?? 'no content-type')})`,
          timedOut: false,
        });
      }
    }
    this.#settle(i);
    this.#values[i] = value;
    this.#partDone();
  }

  #fail(i: number, failure: Failure): void {
    if (this.#done || this.#controllers[i] === undefined) return;
    const part = this.#shared.parts[i]!;
    this.#settle(i, failure.reason);
    if (!part.optional) {
      const message = `required aggregate part "${part.name}" (${part.service}) failed: ${failure.reason}`;
      const error = new SwitchyardError('SY_GW_AGGREGATE_PART_FAILED', message, {
        status: failure.timedOut ? 504 : 502,
        details: { part: part.name, service: part.service, reason: failure.reason },
      });
      this.#finish(errorResult(error, 502));
      return;
    }
    this.#values[i] = null;
    this.#errors[i] = failure.reason;
    this.#partDone();
  }

  /** Marks slot `i` settled: timer cleared, controller dropped (aborted when it failed). */
  #settle(i: number, abortReason?: string): void {
    const timer = this.#timers[i];
    if (timer !== undefined) this.#shared.clock.clearTimeout(timer);
    this.#timers[i] = undefined;
    const controller = this.#controllers[i];
    this.#controllers[i] = undefined;
    if (abortReason !== undefined) controller?.abort(new Error(abortReason));
  }

  #partDone(): void {
    if (--this.#pending > 0) return;
    const { parts } = this.#shared;
    const body: Record<string, unknown> = {};
    let errors: Record<string, string> | undefined;
    let partial = '';
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!.name;
      body[name] = this.#values[i];
      const reason = this.#errors[i];
      if (reason === undefined) continue;
      (errors ??= {})[name] = reason;
      partial += partial === '' ? name : `, ${name}`;
    }
    if (errors === undefined)
      return this.#finish({ status: 200, body, headers: { ...JSON_HEADERS } });
    body._errors = errors;
    this.#finish({
      status: 200,
      body,
      headers: { ...JSON_HEADERS, 'x-aggregate-partial': partial },
    });
  }

  readonly #onCancel = (): void => {
    if (!this.#done) this.#finish(cancelled());
  };

  /** Answers once; aborts whatever is still running and clears its timers. */
  #finish(result: AggregateResult): void {
    if (this.#done) return;
    this.#done = true;
    this.#request.signal?.removeEventListener('abort', this.#onCancel);
    for (let i = 0; i < this.#controllers.length; i++) {
      if (this.#controllers[i] !== undefined) this.#settle(i, 'aggregate answered without it');
    }
    this.#resolve(result);
  }
}

function withAccept(headers: readonly [string, string][]): readonly [string, string][] {
  for (const [name] of headers) if (name.toLowerCase() === 'accept') return headers;
  return [...headers, ACCEPT];
}

function failureOf(error: unknown): Failure {
  const code = isSwitchyardError(error)
    ? error.code
    : typeof (error as { code?: unknown } | null)?.code === 'string'
      ? (error as { code: string }).code
      : undefined;
  const timedOut =
    (code !== undefined && TIMEOUT_CODES.has(code)) ||
    (error instanceof Error && error.name === 'TimeoutError');
  const message = error instanceof Error ? error.message : String(error);
  return { reason: code === undefined ? message : `${message} (${code})`, timedOut };
}

function cancelled(): AggregateResult {
  const error = new SwitchyardError(
    'SY_GW_AGGREGATE_CANCELLED',
    'the client went away; every aggregate part was aborted',
    { status: 499 },
  );
  return errorResult(error, 499);
}

function errorResult(error: unknown, fallbackStatus: number): AggregateResult {
  const e =
    error instanceof SwitchyardError
      ? error
      : new SwitchyardError('SY_GW_AGGREGATE_PART_FAILED', String(error));
  return { status: e.status ?? fallbackStatus, body: e.toJSON(), headers: { ...JSON_HEADERS } };
}
