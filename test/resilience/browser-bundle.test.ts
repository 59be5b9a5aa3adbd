import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';

// The resilience library promises to run in the browser: bundle it for the browser (which fails
// on any `node:` import) and run the bundle in a context that has only browser-style globals.
test('switchyard/resilience bundles for the browser and runs without Node globals', async () => {
  const out = await build({
    entryPoints: ['src/resilience/index.ts'],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    globalName: 'SY',
    target: 'es2022',
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.text;
  const sandbox = {
    performance: { now: () => 0 },
    setTimeout,
    clearTimeout,
    AbortController,
    queueMicrotask,
    result: undefined as unknown,
  };
  const context = createContext(sandbox);
  runInContext(
    `${code}
     const b = SY.circuitBreaker({ failureThreshold: 2, cooldown: 1000 });
     const fail = () => Promise.reject(new Error('x'));
     result = b.execute(fail).catch(() => b.execute(fail)).catch(() => b.state);`,
    context,
  );
  assert.equal(typeof (sandbox as { process?: unknown }).process, 'undefined');
  assert.equal(await sandbox.result, 'OPEN');
});
