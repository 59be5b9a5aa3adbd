#!/usr/bin/env node
// The gateway as the ../shared/bench harness's system under test: listens on 127.0.0.1:$PORT and
// routes GET /api/* unchanged to $UPSTREAM_URL, with the default per-route work on (routing,
// balancing, request IDs, traceparent, metrics) and the access log off (as the NGINX anchor).
//   SUT_CMD="node $PWD/bench/gateway-sut.mjs" ./run-http.sh sut        (after `npm run build`)
// SUT_POLICIES=1 adds retries + breaker + outlier detection to the route, to price them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../dist/gateway/gateway-server.js';
import { silentLogger } from '../dist/core/logger.js';

const port = Number(process.env.PORT ?? 8090);
const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9001';
const policies = process.env.SUT_POLICIES === '1';
const yaml = `
listen: 127.0.0.1:${port}
accessLog: false
reload: { watch: false }
services:
  api:
    targets: [${upstream}]
    balancer: round-robin
    circuitBreaker: ${policies ? '{ failureThreshold: 5 }' : 'false'}
    outlierDetection: ${policies ? '{ consecutive5xx: 5 }' : 'false'}
routes:
  - match: { path: /api }
    service: api
${policies ? '    retries: { attempts: 3, on: [connect-failure, reset, 5xx] }' : ''}
`;
const file = join(mkdtempSync(join(tmpdir(), 'sy-bench-gw-')), 'gateway.yaml');
writeFileSync(file, yaml);
const gw = await startGateway({ configPath: file, logger: silentLogger, accessLog: false });
process.stdout.write(`gateway SUT on ${gw.url}\n`);
process.once('SIGTERM', () => void gw.close().then(() => process.exit(0)));
process.once('SIGINT', () => void gw.close().then(() => process.exit(0)));
