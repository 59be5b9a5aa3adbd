/**
 * Reading a gateway config: size bound → `${VAR}` masking → YAML parse (with line:col for every
 * node) → env resolution → schema → semantic checks → normalize. Every stage's problems are
 * collected and reported together, each as `file:line:col path: message`.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { formatPath } from './config-path.js';
import { flowDepthOffset, MAX_FLOW_DEPTH } from './flow-depth.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { maskEnvRefs, resolveEnvRefs, type MaskedText } from './interpolate.js';
import { normalizeConfig } from './normalize.js';
import { gatewaySchema } from './schema/gateway.js';
import { schemaProblems, type PathProblem } from './schema-problems.js';
import { semanticChecks } from './semantic-checks.js';
import type { GatewayConfig } from './types.js';
import { locate } from './yaml-locate.js';

/** Largest config file accepted: a gateway config is a few KB; anything this big is a mistake. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Alias expansions allowed while building values (yaml's guard against "billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/** Options for `parseGatewayConfig` and `loadGatewayConfig` (tests inject `env`). */
export interface ParseOptions {
  /** Variables for `${VAR}`; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where relative file paths resolve from; default the directory of `file`. */
  baseDir?: string;
  /** Check that TLS files exist; default true. */
  checkFiles?: boolean;
}

/** The outcome of `parseGatewayConfig`: a config, or every problem found. */
export interface ParseResult {
  /** Present exactly when `problems` is empty. */
  config?: GatewayConfig;
  problems: ConfigProblem[];
}

/**
 * Parses and validates config text. Never throws for bad input: all problems are returned.
 *
 * @example
 * const { config, problems } = parseGatewayConfig(text, 'gateway.yaml', { env: {} });
 * for (const p of problems) console.error(formatProblem(p));
 */
export function parseGatewayConfig(
  text: string,
  file: string,
  options: ParseOptions = {},
): ParseResult {
  const whole = (message: string): ParseResult => ({
    problems: [{ file, line: 0, column: 0, path: '', message }],
  });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) return whole(tooLarge(bytes));
  if (text.charCodeAt(0) === 0xfeff) text = ` ${text.slice(1)}`; // BOM: keep offsets
  let masked: MaskedText;
  try {
    masked = maskEnvRefs(text);
  } catch (error) {
    return whole((error as Error).message);
  }
  const lines = new LineCounter();
  const tooDeep = flowDepthOffset(masked.text);
  if (tooDeep >= 0) {
    const before = masked.text.slice(0, tooDeep);
    const line = before.split('\n').length;
    const column = tooDeep - before.lastIndexOf('\n');
    const message = `the document is nested too deeply (over ${MAX_FLOW_DEPTH} levels of [ ] and { })`;
    return { problems: [{ file, line, column, path: '', message }] };
  }
  const doc = parseDocument(masked.text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const at = (offset: number, path: string, message: string): ConfigProblem => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col, path, message };
  };
  const syntax = yamlProblems(doc, at);
  if (syntax.length > 0) return { problems: syntax };
  if (doc.contents === null) {
    return whole('the file is empty: a gateway config needs at least `listen`');
  }

  const problems: ConfigProblem[] = [];
  // a value whose variable is missing is reported once, not again as empty or unknown
  const unresolved = new Set<string>();
  for (const p of resolveEnvRefs(doc, masked, options.env ?? process.env)) {
    problems.push(at(p.offset, formatPath(p.path), p.message));
    unresolved.add(formatPath(p.path));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return whole(
      `too many YAML alias expansions (over ${MAX_ALIAS_COUNT}): refusing a document that ` +
        'expands exponentially ("billion laughs")',
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(
      at(0, '', 'expected a mapping of keys (listen, services, routes, …) at the top level'),
    );
    return { problems };
  }

  const located = (list: PathProblem[]) =>
    list
      .filter((p) => !unresolved.has(formatPath(p.path)))
      .map((p) => at(locate(doc, p.at, p.target).offset, formatPath(p.path), p.message));
  const parsed = gatewaySchema.safeParse(raw, { reportInput: true });
  if (!parsed.success)
    problems.push(...located(schemaProblems(gatewaySchema, parsed.error.issues)));
  const baseDir = options.baseDir ?? dirname(file);
  const checks = semanticChecks(
    raw,
    { baseDir, checkFiles: options.checkFiles },
    parsed.success ? parsed.data : undefined,
  );
  problems.push(...located(checks));

  if (problems.length > 0 || !parsed.success) return { problems: sortProblems(problems) };
  return { config: normalizeConfig(parsed.data, baseDir), problems: [] };
}

/**
 * Reads, validates and normalizes a gateway config file.
 *
 * @throws ConfigError (`SY_GW_CONFIG_INVALID`) listing every problem, including an unreadable
 * or oversized file.
 * @example const config = await loadGatewayConfig('gateway.yaml');
 */
export async function loadGatewayConfig(
  path: string,
  options: ParseOptions = {},
): Promise<GatewayConfig> {
  const fail = (message: string) =>
    new ConfigError(path, [{ file: path, line: 0, column: 0, path: '', message }]);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw fail('not a regular file');
    if (info.size > MAX_CONFIG_BYTES) throw fail(tooLarge(info.size));
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw fail(`cannot read the file: ${(error as Error).message}`);
  }
  const result = parseGatewayConfig(text, path, options);
  if (!result.config) throw new ConfigError(path, result.problems);
  return result.config;
}

function tooLarge(bytes: number): string {
  const mb = (bytes / 1024 / 1024).toFixed(1);
  return `the file is ${mb} MB; a gateway config may be at most ${MAX_CONFIG_BYTES / 1024 / 1024} MB`;
}

/** YAML syntax errors and warnings; a too-deep document yields one problem, not one per level. */
function yamlProblems(
  doc: Document,
  at: (offset: number, path: string, message: string) => ConfigProblem,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  let exhausted = false;
  for (const e of [...doc.errors, ...doc.warnings]) {
    if (e.code === 'RESOURCE_EXHAUSTION') {
      if (!exhausted) out.push(at(e.pos[0], '', 'the document is nested too deeply'));
      exhausted = true;
      continue;
    }
    out.push(
      at(
        e.pos[0],
        '',
        `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')}`,
      ),
    );
  }
  return sortProblems(out);
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
