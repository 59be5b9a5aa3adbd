/**
 * `${VAR}` and `${VAR:-default}` in a YAML config, resolved against the environment.
 *
 * Substituting into the text before parsing would let a value change the YAML structure (a `#`
 * starts a comment, `: ` a mapping) and `${X}` is not a valid plain scalar inside a flow
 * mapping (`{ token: ${X} }`). So each reference is first masked with a placeholder of the
 * same length made of private-use characters — every offset, and so every line:col, stays
 * that of the original text — and resolved in parsed scalars only (`resolveEnvRefs`). Comments
 * are never resolved. A plain (unquoted) scalar that is exactly one reference is retyped the way
 * YAML would type the value (`workers: ${WORKERS}` gives a number); quoted ones stay strings.
 * `$${` is a literal `${`.
 */
import { isPair, isScalar, isSeq, visit, type Document, type Scalar } from 'yaml';
import type { ConfigPath } from './config-path.js';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}\n]*))?\}/g;
const OPEN = '\uE000';
const CLOSE = '\uE001';
/** Placeholder digits: 4096 private-use characters from U+E100, so two digits cover 16M refs. */
const DIGIT_BASE = 0xe100;
const DIGITS = 4096;
const PLACEHOLDER = /\uE000([\uE100-\uF0FF]+)\uE001/g;

/** One `${NAME}` / `${NAME:-default}` found in the text. */
export interface EnvReference {
  name: string;
  fallback: string | undefined;
  /** Offset of `${` in the original text. */
  offset: number;
}

/** The text with every reference replaced by a same-length placeholder. */
export interface MaskedText {
  text: string;
  references: EnvReference[];
}

/** An interpolation problem at an offset of the original text. */
export interface InterpolationProblem {
  offset: number;
  path: ConfigPath;
  message: string;
}

function encode(index: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = String.fromCharCode(DIGIT_BASE + (index % DIGITS)) + out;
    index = Math.floor(index / DIGITS);
  }
  return out;
}

function decode(digits: string): number {
  let n = 0;
  for (const c of digits) n = n * DIGITS + (c.charCodeAt(0) - DIGIT_BASE);
  return n;
}

/**
 * Replaces each `${…}` reference with a same-length placeholder. Throws if the text already
 * holds the placeholder markers (U+E000, U+E001), which no config has a reason to contain.
 */
export function maskEnvRefs(text: string): MaskedText {
  if (text.includes(OPEN) || text.includes(CLOSE)) {
    throw new Error('the file contains the private-use characters U+E000/U+E001');
  }
  const references: EnvReference[] = [];
  const masked = text.replace(
    REFERENCE,
    (whole, name: string | undefined, fallback, offset: number) => {
      if (name === undefined) return whole; // `$${`: kept, unescaped in resolveEnvRefs
      const index = references.length;
      references.push({ name, fallback: fallback as string | undefined, offset });
      return OPEN + encode(index, whole.length - 2) + CLOSE;
    },
  );
  return { text: masked, references };
}

/** The key/index path of a node from the ancestors `visit` reports (a key's path is its entry's). */
function pathOf(ancestors: readonly unknown[], node: unknown): ConfigPath {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    if (isSeq(parent)) path.push(parent.items.indexOf(chain[i + 1]));
    else if (isPair(parent)) {
      path.push(isScalar(parent.key) ? String(parent.key.value) : String(parent.key));
    }
  }
  return path;
}

const YAML_INT = /^[-+]?\d+$/;
const YAML_FLOAT = /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/;

function retype(value: string): unknown {
  if (YAML_INT.test(value) || YAML_FLOAT.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/**
 * Resolves the placeholders `maskEnvRefs` left in the parsed document's scalars (keys and
 * values), in place. Returns a problem for each unset variable without a default and for each
 * malformed `${`.
 */
export function resolveEnvRefs(
  doc: Document,
  masked: MaskedText,
  env: Readonly<Record<string, string | undefined>>,
): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  visit(doc, {
    Scalar(_key, node: Scalar, ancestors) {
      if (typeof node.value !== 'string') return;
      const raw = node.value;
      const hasRef = raw.includes(OPEN);
      if (!hasRef && !raw.includes('${')) return;
      const path = pathOf(ancestors, node);
      if (/(?<!\$)\$\{/.test(raw)) {
        problems.push({
          offset: node.range?.[0] ?? 0,
          path,
          message:
            'malformed variable reference: use ${NAME} or ${NAME:-default} ($${ for a literal ${)',
        });
        return;
      }
      let whole = false;
      const value = raw
        .replaceAll('$${', '${')
        .replace(PLACEHOLDER, (placeholder, digits: string) => {
          const ref = masked.references[decode(digits)]!;
          whole = placeholder.length === raw.length;
          const set = env[ref.name];
          if (set !== undefined && (set !== '' || ref.fallback === undefined)) return set;
          if (ref.fallback !== undefined) return ref.fallback;
          problems.push({
            offset: ref.offset,
            path,
            message: `environment variable ${ref.name} is not set (use \${${ref.name}:-default} to give a default)`,
          });
          return '';
        });
      node.value = whole && node.type === 'PLAIN' ? retype(value) : value;
    },
  });
  return problems;
}
