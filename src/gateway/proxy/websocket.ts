import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { requestFinished, requestStarted } from '../../core/upstream/balancer.js';
import { normalizePath, PathError } from '../router/index.js';
import { errorBody, GATEWAY_ERRORS, type GatewayErrorCode } from './error-response.js';
import { isDroppedRequestHeader } from './hop-by-hop.js';
import type { PolicyContext } from '../policies/policy.js';
import { runPolicies } from '../policies/run-policies.js';
import type { ProxyState } from './proxy-handler.js';
import { acceptableRequestId, joined, single, type Downstream } from './request-headers.js';
import { newRequestId, nextTraceparent } from '../../core/trace-context.js';

/**
 * WebSocket (and any HTTP/1.1 `Upgrade`) proxying: route the upgrade request like any other, send
 * it to an endpoint, then tunnel bytes both ways. The upstream's own answer (101, or a refusal)
 * reaches the client unchanged. Tunnels do not depend on the config snapshot, so a reload leaves
 * them open.
 */
export function createUpgradeHandler(
  state: ProxyState,
  downstream: Downstream,
  tunnels: Set<Duplex>,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const requestId = acceptableRequestId(req.headers['x-request-id']) ?? newRequestId();
    const target = normalizePath(req.url ?? '/');
    if (target instanceof PathError) return refuse(socket, 'SY_GW_BAD_PATH', requestId);
    const match = state.snapshot.router.find(
      req.method ?? 'GET',
      req.headers.host,
      target.path,
      req.headers,
    );
    if (match === undefined || !match.data.websocket) {
      return refuse(socket, 'SY_GW_ROUTE_NOT_FOUND', requestId);
    }
    const route = match.data;
    const rewritten =
      route.rewritePath === null
        ? target.path
        : route.rewritePath(target.path, match.params, match.matchedPath);
    const path = target.query === '' ? rewritten : rewritten + target.query;
    if (route.policies === null) return tunnel(undefined);
    // An upgrade passes the route's policies (IP filter, auth, rate limit) like any request.
    const ctx: PolicyContext = {
      req,
      requestId,
      clientIp: state.snapshot.clientIp.resolve(req),
      upstreamHeaders: [],
    };
    runPolicies(route.policies, ctx).then(
      (answer) => {
        if (answer === undefined) return tunnel(ctx.upstreamHeaders);
        refuseWith(
          socket,
          answer.status,
          answer.headers ?? {},
          JSON.stringify({ error: { ...answer.body, requestId } }),
          requestId,
        );
      },
      () => refuse(socket, 'SY_GW_INTERNAL', requestId),
    );

    function tunnel(extra: readonly [string, string][] | undefined): void {
      const endpoint = route.service.balancer.pick(undefined, undefined);
      if (endpoint === undefined) return refuse(socket, 'SY_GW_NO_ENDPOINTS', requestId);

      const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`];
      const raw = req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        const lower = raw[i]!.toLowerCase();
        // The upgrade handshake needs Connection and Upgrade; other owned headers are replaced.
        if (lower !== 'connection' && lower !== 'upgrade' && isDroppedRequestHeader(raw[i]!))
          continue;
        if (route.requestHeaders?.remove.has(lower) === true) continue;
        lines.push(`${raw[i]}: ${raw[i + 1]}`);
      }
      const host = req.headers.host ?? '';
      const prior = joined(req.headers['x-forwarded-for']);
      const ip = req.socket.remoteAddress ?? '';
      lines.push(
        `host: ${host}`,
        `x-forwarded-host: ${host}`,
        `x-forwarded-for: ${prior ? `${prior}, ${ip}` : ip}`,
        `x-forwarded-proto: ${downstream.proto}`,
        `x-request-id: ${requestId}`,
        `traceparent: ${nextTraceparent(single(req.headers.traceparent))}`,
      );
      const ops = route.requestHeaders?.append ?? [];
      for (let i = 0; i < ops.length; i += 2) lines.push(`${ops[i]}: ${ops[i + 1]}`);
      for (const [name, value] of extra ?? []) lines.push(`${name}: ${value}`);

      requestStarted(endpoint);
      const started = performance.now();
      const upstream: Socket =
        endpoint.protocol === 'https:'
          ? tlsConnect({
              host: endpoint.host,
              port: endpoint.port,
              servername: route.service.tls?.servername ?? endpoint.host,
              ...(route.service.tls?.ca !== undefined && { ca: route.service.tls.ca }),
              rejectUnauthorized: route.service.tls?.rejectUnauthorized ?? true,
            })
          : netConnect({ host: endpoint.host, port: endpoint.port });
      upstream.setTimeout(route.pools.connectTimeout, () =>
        upstream.destroy(new Error('connect timeout')),
      );
      let connected = false;
      upstream.once(endpoint.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
        upstream.setTimeout(0);
        route.service.outlier?.success(endpoint);
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
        tunnels.add(socket);
      });
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        tunnels.delete(socket);
        const now = performance.now();
        requestFinished(endpoint, now - started, now);
        // Counted as 101 when the tunnel opened, 502 when the endpoint could not be reached.
        route.stats.record(connected ? 101 : 502, now - started);
      };
      upstream.on('error', () => {
        if (!connected) {
          route.service.outlier?.failure(endpoint, 'connect');
          refuse(socket, 'SY_GW_UPSTREAM_UNAVAILABLE', requestId);
        } else socket.destroy();
        finish();
      });
      upstream.on('close', () => {
        socket.destroy();
        finish();
      });
      socket.on('close', () => {
        upstream.destroy();
        finish();
      });
    }
  };
}

function refuse(socket: Duplex, code: GatewayErrorCode, requestId: string): void {
  refuseWith(socket, GATEWAY_ERRORS[code].status, {}, errorBody(code, requestId), requestId);
}

/** Answers an upgrade request with a plain HTTP/1.1 response and closes the socket. */
function refuseWith(
  socket: Duplex,
  status: number,
  headers: Record<string, string>,
  body: string,
  requestId: string,
): void {
  if (socket.destroyed) return;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.end(
    `${head}content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
