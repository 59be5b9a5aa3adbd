import type { Logger } from '../../logger.js';
import type { EndpointSpec } from '../endpoint.js';
import { sameEndpoints, type EndpointSource, type SourceStatus } from './endpoint-source.js';

type Listener = (endpoints: readonly EndpointSpec[]) => void;

/**
 * What every source shares: the last known good list, change listeners (called only when the
 * list really changed), `ready()` waiters and the status. Subclasses call `accept()` after each
 * good read and `reject()` after each failed one, and implement `stop()`.
 *
 * @example
 * class FileSource extends BaseEndpointSource {
 *   constructor() { super(silentLogger); this.accept(sortById(readList())); }
 *   protected stop(): void {}
 * }
 */
export abstract class BaseEndpointSource implements EndpointSource {
  protected readonly logger: Logger;
  protected closed = false;
  #current: readonly EndpointSpec[] | undefined;
  #status: SourceStatus = { state: 'starting' };
  readonly #listeners = new Set<Listener>();
  readonly #waiters = new Set<(ok: boolean) => void>();

  protected constructor(logger: Logger) {
    this.logger = logger;
  }

  current(): readonly EndpointSpec[] | undefined {
    return this.#current;
  }

  onUpdate(listener: Listener): () => void {
    // A wrapper, so the same function subscribed twice gets two independent disposers.
    const entry: Listener = (list) => listener(list);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  ready(timeoutMs?: number): Promise<boolean> {
    if (this.#current !== undefined) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(ok);
      };
      this.#waiters.add(done);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => done(false), timeoutMs);
        timer.unref(); // a caller's deadline alone must not keep the process alive
      }
    });
  }

  status(): SourceStatus {
    return this.#status;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.#listeners.clear();
    for (const done of [...this.#waiters]) done(false);
  }

  /** Stops timers and aborts in-flight work (called once, by `close()`). */
  protected abstract stop(): void;

  /** Records a good read (`list` sorted by id); tells listeners if it differs from the last. */
  protected accept(list: readonly EndpointSpec[], index?: string): void {
    if (this.closed) return;
    const wasStale = this.#status.state === 'stale';
    this.#status = {
      state: 'ok',
      lastUpdateAt: Date.now(),
      ...(index !== undefined && { index }),
    };
    if (wasStale) this.logger.info('endpoint source recovered', { endpoints: list.length });
    const previous = this.#current;
    if (previous !== undefined && sameEndpoints(previous, list)) return;
    this.#current = Object.freeze(list.slice());
    if (previous === undefined) for (const done of [...this.#waiters]) done(true);
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.#current);
      } catch (error) {
        // A listener's bug must not stop discovery for the other listeners.
        this.logger.error('endpoint source listener threw', { error: String(error) });
      }
    }
  }

  /** Records a failed read: keeps the list, marks the source stale, logs what was wrong. */
  protected reject(message: string, fields?: Record<string, unknown>): void {
    if (this.closed) return;
    const wasStale = this.#status.state === 'stale';
    const repeated = wasStale && this.#status.lastError === message;
    this.#status = { ...this.#status, state: 'stale', lastError: message };
    // A registry that stays down would log once per retry; log again only when the error changes.
    if (!repeated) this.logger.error('endpoint source read failed', { error: message, ...fields });
  }
}
