import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

test('parses the Go durations Consul clients send', () => {
  assert.equal(parseGoDuration('10s'), 10_000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1h'), 3_600_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('2h45m0.5s'), 2 * 3_600_000 + 45 * 60_000 + 500);
  assert.equal(parseGoDuration('1500us'), 1.5);
  assert.equal(parseGoDuration('1500µs'), 1.5);
  assert.equal(parseGoDuration('2000000ns'), 2);
  assert.equal(parseGoDuration('+5s'), 5000);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('.5s'), 500);
});

test('rejects what Go rejects, and negatives (no duration here may be negative)', () => {
  for (const bad of [
    '',
    '10',
    's',
    '10x',
    '1m30',
    '-5s',
    '5 s',
    '1d',
    'abc',
    '10s ',
    '1e3s',
    '5s5',
  ]) {
    assert.equal(parseGoDuration(bad), undefined, bad);
  }
  assert.equal(parseGoDuration('1'.repeat(100) + 's'), undefined, 'overlong input');
});

test('formats like time.Duration.String()', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(500), '500ms');
  assert.equal(formatGoDuration(1500), '1.5s');
  assert.equal(formatGoDuration(10_000), '10s');
  assert.equal(formatGoDuration(90_000), '1m30s');
  assert.equal(formatGoDuration(60_000), '1m0s');
  assert.equal(formatGoDuration(3_600_000), '1h0m0s');
  assert.equal(formatGoDuration(0.5), '500µs');
});

test('format and parse round-trip', () => {
  for (const ms of [1, 250, 1000, 61_500, 3_723_000]) {
    assert.equal(parseGoDuration(formatGoDuration(ms)), ms);
  }
});
