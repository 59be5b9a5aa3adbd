#!/usr/bin/env node
// `npm run bench`: every benchmark suite in bench/, each beside its named peer in the same run.
import { spawnSync } from 'node:child_process';

const suites = [
  ['resilience: per-call overhead', ['bench/resilience.mjs']],
  ['resilience: heap after 10^6 calls', ['--expose-gc', 'bench/resilience.mjs', '--heap']],
  ['registry: beside etcd 3.4', ['bench/registry.mjs']],
  ['upstream: load balancer pick', ['bench/balancers.mjs']],
  ['gateway: router lookup beside find-my-way', ['bench/router.mjs']],
  ['client: call overhead beside bare undici', ['bench/client.mjs']],
];
for (const [title, args] of suites) {
  console.log(`\n## ${title}\n`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// The proxy path needs wrk, NGINX and HAProxy from the shared harness (../shared/bench).
console.log('\n## gateway: proxy throughput beside NGINX, HAProxy and the Node peers\n');
const http = spawnSync('bash', ['bench/gateway-http.sh'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (http.status !== 0) process.exit(http.status ?? 1);
