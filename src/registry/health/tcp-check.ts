import { connect } from 'node:net';
import type { CheckDefinition } from '../catalog/model.js';
import type { ProbeResult } from './check-scheduler.js';

/**
 * Probes `definition.tcp` (`host:port` or `[v6]:port`) once, as Consul's TCP check does: a
 * completed connect is passing; a refused or unreachable address, or an aborted `signal` (the
 * scheduler's timeout), is critical. The connection is closed at once; nothing is sent.
 *
 * @example
 * const result = await tcpProbe({ ...definition, tcp: '127.0.0.1:6379' }, signal);
 * result.output; // 'TCP connect 127.0.0.1:6379: Success'
 */
export function tcpProbe(definition: CheckDefinition, signal: AbortSignal): Promise<ProbeResult> {
  const target = definition.tcp ?? '';
  const address = parseHostPort(target);
  if (!address) {
    return Promise.resolve({ status: 'critical', output: `dial tcp ${target}: invalid address` });
  }
  if (signal.aborted) return Promise.resolve(failed(target, signal.reason));
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => finish(failed(target, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () =>
      finish({ status: 'passing', output: `TCP connect ${target}: Success` }),
    );
    // `on`, not `once`: a late error on a socket being torn down must not go unhandled
    socket.on('error', (error) => finish(failed(target, error)));
  });
}

/** Splits `host:port` / `[v6]:port`; undefined when the port is missing or out of range. */
export function parseHostPort(target: string): { host: string; port: number } | undefined {
  const colon = target.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = target.slice(0, colon);
  const portText = target.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) return undefined; // a bare IPv6 address needs brackets
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

function failed(target: string, reason: unknown): ProbeResult {
  const message = reason instanceof Error ? reason.message : String(reason);
  return { status: 'critical', output: `dial tcp ${target}: ${message}` };
}
