import type { Server } from 'node:http';
import {
  createLogger,
  systemClock,
  type Clock,
  type Duration,
  type Logger,
} from '../core/index.js';
import { createBalancer } from '../core/upstream/balancers/index.js';
import {
  registrySource,
  staticSource,
  type EndpointSource,
} from '../core/upstream/discovery/index.js';
import { endpointSpecFromUrl } from '../core/upstream/endpoint.js';
import { OutlierDetector } from '../core/upstream/outlier-detector.js';
import { AgentApi } from './agent-api.js';
import { ClientError, describeError, invalidOption } from './client-errors.js';
import { ClientEvents, type ClientEventListener } from './client-events.js';
import { durationOption, objectOption } from './client-options.js';
import { EndpointPool } from './endpoint-pool.js';
import { handleShutdown, type ShutdownHandle, type ShutdownOptions } from './graceful-shutdown.js';
import {
  createFastifyHealth,
  createHealthHandler,
  type FastifyReplyLike,
  type HealthBody,
  type HealthHandlerOptions,
} from './health-handler.js';
import { resolveRegistryTarget, type RegistryTarget } from './registry-address.js';
import { planRegistration, type SelfRegistrationOptions } from './registration-spec.js';
import { SelfRegistration } from './self-registration.js';
import { ServiceClient } from './service-client.js';
import { serviceSettings, type ServiceOptions } from './service-options.js';

/** Options of `registry()`; all optional. */
export interface RegistryOptions {
  /** Default `SWITCHYARD_REGISTRY`, else `CONSUL_HTTP_ADDR`, else `http://127.0.0.1:8500`. */
  readonly address?: string;
  /** Sent as `X-Consul-Token`. Default `SWITCHYARD_REGISTRY_TOKEN`, else `CONSUL_HTTP_TOKEN`. */
  readonly token?: string;
  /** Bound on each registration / heartbeat / deregistration request. Default `'5s'`. */
  readonly requestTimeout?: Duration;
  readonly logger?: Logger;
  /** Heartbeat and backoff timers (tests inject a `ManualClock`). */
  readonly clock?: Clock;
  /** Uniform in [0, 1): heartbeat and backoff jitter. */
  readonly random?: () => number;
}

/** What `registerSelf()` resolves to. */
export interface Registration {
  readonly id: string;
  readonly name: string;
  /** False while the registry is unreachable or has forgotten the instance. */
  readonly registered: boolean;
  deregister(): Promise<void>;
}

const KNOWN = ['address', 'token', 'requestTimeout', 'logger', 'clock', 'random'];

/**
 * The SDK's entry point: one per process, bound to one registry.
 *
 * @example
 * import { registry } from 'switchyard/client';
 * const sy = registry({ address: 'http://127.0.0.1:8500' });
 * await sy.registerSelf({ name: 'order-service', port: 3000, check: { ttl: '10s' } });
 * sy.handleShutdown(server);
 * const payments = sy.service('payment-service', { timeout: '2s', retries: { attempts: 3 } });
 */
export function registry(options: RegistryOptions = {}): RegistryClient {
  return new RegistryClient(options);
}

/** Self-registration, graceful shutdown, health handlers and service clients; see `registry()`. */
export class RegistryClient {
  readonly address: string;
  readonly #target: RegistryTarget;
  readonly #api: AgentApi;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #events = new ClientEvents();
  readonly #registrations = new Map<string, SelfRegistration>();
  readonly #services = new Set<ServiceClient>();
  readonly #health = { shuttingDown: false };
  #closed = false;

  constructor(options: RegistryOptions = {}) {
    const o = objectOption('registry', options, KNOWN);
    this.#target = resolveRegistryTarget(o);
    this.address = this.#target.address;
    this.#logger = o.logger ?? createLogger('client');
    this.#clock = o.clock ?? systemClock;
    this.#random = o.random ?? Math.random;
    const timeoutMs = durationOption('registry.requestTimeout', o.requestTimeout, 5_000, 1);
    this.#api = new AgentApi(this.#target, timeoutMs);
  }

  /** True from the moment shutdown starts (health handlers answer 503). */
  get shuttingDown(): boolean {
    return this.#health.shuttingDown;
  }

  /**
   * Registers this process and keeps it registered (TTL heartbeats at a third of the TTL,
   * re-registration when the registry forgets it). Resolves once the registry has accepted it.
   * Rejects with `SY_CLIENT_INVALID_OPTION` (bad options), `SY_CLIENT_REGISTRATION_REJECTED` (the
   * registry refused, e.g. 400 or 403), or `SY_CLIENT_REGISTRY_UNREACHABLE` after
   * `registerTimeout` (default 10 s) — retries then go on in the background, so a caller may log
   * the error and keep serving.
   *
   * @example
   * await sy.registerSelf({ name: 'orders', port: 3000, check: { http: '/health', interval: '5s' } });
   */
  async registerSelf(options: SelfRegistrationOptions): Promise<Registration> {
    this.#open();
    const plan = planRegistration(options);
    if (this.#registrations.has(plan.id)) {
      throw invalidOption('registerSelf.id', `${plan.id} is already registered by this client`);
    }
    const registration = new SelfRegistration(plan, {
      api: this.#api,
      clock: this.#clock,
      logger: this.#logger,
      events: this.#events,
      random: this.#random,
    });
    this.#registrations.set(plan.id, registration);
    try {
      await registration.start();
    } catch (error) {
      if ((error as ClientError).code !== 'SY_CLIENT_REGISTRY_UNREACHABLE') {
        this.#registrations.delete(plan.id);
      }
      throw error;
    }
    const registrations = this.#registrations;
    return {
      id: plan.id,
      name: plan.name,
      get registered() {
        return registration.registered;
      },
      async deregister() {
        registrations.delete(plan.id);
        await registration.deregister();
      },
    };
  }

  /** Deregisters every instance this client registered (heartbeats stop first). */
  async deregister(): Promise<void> {
    const all = [...this.#registrations.values()];
    this.#registrations.clear();
    const results = await Promise.allSettled(all.map((r) => r.deregister()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * On SIGTERM/SIGINT: deregister → wait `propagationMs` → stop accepting → drain → exit.
   * See `ShutdownOptions` for the defaults (they fit Kubernetes' 30 s grace period).
   *
   * @example
   * sy.handleShutdown(server, { propagationMs: 5_000, drainTimeoutMs: 20_000 });
   */
  handleShutdown(server: Server, options: ShutdownOptions = {}): ShutdownHandle {
    return handleShutdown(server, options, {
      logger: this.#logger,
      events: this.#events,
      deregister: () => this.deregister(),
      markShuttingDown: () => {
        this.#health.shuttingDown = true;
      },
      close: () => this.close(),
    });
  }

  /** A `/health` handler for node:http and Express; 503 while shutting down. */
  healthHandler(options?: HealthHandlerOptions): ReturnType<typeof createHealthHandler> {
    return createHealthHandler(this.#health, options);
  }

  /** The same for Fastify: `fastify.get('/health', sy.fastifyHealth())`. */
  fastifyHealth(
    options?: HealthHandlerOptions,
  ): (request: unknown, reply: FastifyReplyLike) => Promise<HealthBody> {
    return createFastifyHealth(this.#health, options);
  }

  /**
   * A client for `name`: discovery (a blocking-query watch of the registry, last-known-good on
   * outage), balancer, outlier detection, keep-alive pools and the resilience policies.
   *
   * @example
   * const users = sy.service('users', { balancer: 'least-request', timeout: '500ms' });
   * const me = await (await users.fetch(`/users/${id}`)).json();
   */
  service(name: string, options?: ServiceOptions): ServiceClient {
    this.#open();
    if (typeof name !== 'string' || name === '') {
      throw invalidOption('service', 'expected a service name');
    }
    const s = serviceSettings(name, options);
    const source = s.source ?? this.#sourceFor(name, s.endpoints, s);
    let pool: EndpointPool;
    try {
      const balancer = upstreamPart(`service(${name}).balancer`, () =>
        createBalancer(s.balancer, { random: this.#random }),
      );
      const outliers =
        s.outlierDetection === undefined
          ? undefined
          : upstreamPart(`service(${name}).outlierDetection`, () => {
              const o = s.outlierDetection!;
              return new OutlierDetector({ clock: this.#clock, ...o });
            });
      pool = new EndpointPool(
        source,
        balancer,
        outliers,
        {
          connections: s.connections,
          connectTimeoutMs: s.connectTimeoutMs,
          keepAliveTimeoutMs: s.keepAliveTimeoutMs,
          timeoutMs: s.timeoutMs,
        },
        this.#logger,
      );
    } catch (error) {
      source.close();
      throw error;
    }
    const client = new ServiceClient(name, s, pool, {
      clock: this.#clock,
      logger: this.#logger,
      onClose: () => this.#services.delete(client),
    });
    this.#services.add(client);
    return client;
  }

  /** Listens to registration, heartbeat and shutdown events; returns a disposer. */
  onEvent(listener: ClientEventListener): () => void {
    return this.#events.on(listener);
  }

  /**
   * Deregisters (best effort: a failure is logged), closes every service client once its
   * requests finish, and closes the registry connection. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.deregister().catch((error: unknown) =>
      this.#logger.warn('deregistration on close failed', { error: describeError(error) }),
    );
    await Promise.all([...this.#services].map((s) => s.close()));
    await this.#api.close();
  }

  #sourceFor(
    name: string,
    endpoints: readonly string[] | undefined,
    s: ReturnType<typeof serviceSettings>,
  ): EndpointSource {
    if (endpoints !== undefined) {
      try {
        return staticSource(endpoints.map((url) => endpointSpecFromUrl(url)));
      } catch (error) {
        throw invalidOption(`service(${name}).endpoints`, describeError(error));
      }
    }
    return registrySource({
      address: this.#target.address,
      service: name,
      tags: s.tags,
      passingOnly: s.passingOnly,
      ...(s.meta && { meta: s.meta }),
      ...(this.#target.token !== undefined && { token: this.#target.token }),
      logger: this.#logger,
      clock: this.#clock,
      random: this.#random,
    });
  }

  #open(): void {
    if (this.#closed) throw new ClientError('SY_CLIENT_CLOSED', 'registry client is closed');
  }
}

/** Builds a balancer or outlier detector, re-labelling its option error with the SDK's path. */
function upstreamPart<T>(path: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    const option = (error as { details?: { option?: unknown } }).details?.option;
    const at = typeof option === 'string' && option !== 'kind' ? `${path}.${option}` : path;
    throw invalidOption(at, error instanceof Error ? error.message : String(error));
  }
}
