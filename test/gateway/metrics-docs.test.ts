import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { parseGatewayConfig } from '../../src/gateway/config/load-config.js';
import {
  collectGatewayMetrics,
  GatewayCounters,
} from '../../src/gateway/metrics/gateway-metrics.js';
import type { MetricFamily } from '../../src/gateway/metrics/metric-families.js';
import { buildSnapshot } from '../../src/gateway/runtime/snapshot.js';
import { PoolManager } from '../../src/gateway/upstream/pool-manager.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const docs = read('../../docs/reference/metrics.md');
const source = read('../../src/gateway/metrics/gateway-metrics.ts');

/** The "## Gateway" section of metrics.md, up to the next `## ` heading. */
function gatewaySection(): string {
  const start = docs.indexOf('\n## Gateway');
  assert.ok(start >= 0, 'metrics.md has a "## Gateway" section');
  const end = docs.indexOf('\n## ', start + 1);
  return docs.slice(start, end < 0 ? undefined : end);
}

/** Rows of the section's table: `| \`name\` | type | labels | meaning |`. */
function documentedRows(): Map<string, { type: string; labels: string }> {
  const rows = new Map<string, { type: string; labels: string }>();
  for (const line of gatewaySection().split('\n')) {
    const m = /^\| `(switchyard_gateway_[a-z0-9_]+)` \| ([a-z]+) \| ([^|]*) \|/.exec(line);
    if (m) rows.set(m[1]!, { type: m[2]!, labels: m[3]! });
  }
  return rows;
}

describe('docs/reference/metrics.md, gateway section', () => {
  // A live snapshot with one route, one service (breaker on) and one sample in every family, so
  // each family shows its labels.
  const pools = new PoolManager();
  const parsed = parseGatewayConfig(
    `
listen: 127.0.0.1:0
services: { web: { targets: [http://127.0.0.1:1] } }
routes:
  - name: api
    match: { path: /api }
    service: web
`,
    '/virtual/gateway.yaml',
  );
  assert.deepEqual(parsed.problems, []);
  const { snapshot } = buildSnapshot(parsed.config!, {
    pools,
    logger: silentLogger,
    redis: () => {
      throw new Error('no route here needs Redis');
    },
  });
  for (const route of snapshot.routes) {
    route.stats.record(200, 3);
    route.stats.retries++;
  }
  const counters = new GatewayCounters();
  counters.countLocal('SY_GW_ROUTE_NOT_FOUND', 404);
  counters.reloadsOk++;
  const families: MetricFamily[] = collectGatewayMetrics(snapshot, counters);
  after(async () => {
    for (const svc of snapshot.services.values()) svc.close();
    await pools.close(100);
  });

  test('every family the collector returns is in the table, with its type and labels', () => {
    const rows = documentedRows();
    assert.ok(families.length >= 8);
    for (const family of families) {
      const row = rows.get(family.name);
      assert.ok(row, `${family.name} is not documented in the Gateway section`);
      assert.equal(row.type, family.type, `${family.name}: documented type`);
      assert.ok(family.samples.length > 0, `${family.name} has samples in this fixture`);
      const labels = new Set(family.samples.flatMap((s) => Object.keys(s.labels)));
      for (const label of labels) {
        assert.ok(row.labels.includes(`\`${label}\``), `${family.name}: label ${label} documented`);
      }
    }
  });

  test('the table lists no family the collector does not return', () => {
    const names = new Set(families.map((f) => f.name));
    assert.deepEqual(
      [...documentedRows().keys()].filter((n) => !names.has(n)),
      [],
    );
  });

  test('every switchyard_gateway_* name in gateway-metrics.ts is documented, and vice versa', () => {
    const inSource = new Set(
      [...source.matchAll(/'(switchyard_gateway_[a-z0-9_]+)'/g)].map((m) => m[1]!),
    );
    assert.ok(inSource.size >= 8);
    assert.deepEqual(
      [...inSource].filter((n) => !docs.includes(`\`${n}\``)),
      [],
    );
    // Anywhere on the page (queries included), a histogram's series suffixes aside.
    const mentioned = [...docs.matchAll(/switchyard_gateway_[a-z0-9_]+/g)].map((m) =>
      m[0].replace(/_(bucket|sum|count)$/, ''),
    );
    assert.deepEqual(
      [...new Set(mentioned)].filter((n) => !inSource.has(n)),
      [],
    );
  });
});
