#!/usr/bin/env bash
# The gateway beside NGINX, HAProxy, the Node peers and the Node floor, in one interleaved run of
# the shared harness (../shared/bench, or $ANCHORS). Builds first; results land in
# $WORKDIR/results/http-<stamp>/summary.md (default /tmp/switchyard-bench).
#   bench/gateway-http.sh                  default route (routing, balancing, ids, metrics)
#   SUT_POLICIES=1 bench/gateway-http.sh   + retries, breaker and outlier detection
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ANCHORS="${ANCHORS:-$HERE/../../shared/bench}"
if [[ ! -x "$ANCHORS/run-http.sh" ]]; then
  echo "gateway-http: no benchmark harness at $ANCHORS (set ANCHORS=...); skipped" >&2
  exit 0
fi
command -v wrk >/dev/null || { echo "gateway-http: wrk missing; run $ANCHORS/install.sh" >&2; exit 0; }
(cd "$HERE/.." && npx tsc -p tsconfig.build.json)
export SUT_CMD="node $HERE/gateway-sut.mjs"
export ROUNDS="${ROUNDS:-3}" LAT_PASS="${LAT_PASS:-0}"
exec "$ANCHORS/run-http.sh" nginx haproxy http-proxy fast-gateway fastify node-floor sut
