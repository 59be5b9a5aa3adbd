/**
 * Turns zod issues into problems a person can act on: one per unknown key (with a "did you
 * mean"), unions reported through the branch the value was meant for, plain-words types
 * (`expected a number, got "abc"`), and a missing key pointed at the mapping that lacks it.
 */
import { z } from 'zod';
import type { ConfigPath } from './config-path.js';
import { didYouMean } from './did-you-mean.js';
import type { LocateTarget } from './yaml-locate.js';

type Issue = z.core.$ZodIssue;

/** A problem at a config path, before it is given a line and column. */
export interface PathProblem {
  /** The path the problem is about (what the message names). */
  path: ConfigPath;
  /** Where to point in the file: this path (may be shorter than `path` for a missing key). */
  at: ConfigPath;
  target: LocateTarget;
  message: string;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true/false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** A short description of a YAML value for "got …". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

function expectedName(issue: Issue): string[] {
  if (issue.code === 'invalid_type') return [TYPE_NAMES[issue.expected] ?? issue.expected];
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v));
  return [];
}

/** Schemas a path can lead to (several through unions). */
function schemasAt(root: z.ZodType, path: ConfigPath): z.ZodType[] {
  let current = unwrap(root);
  for (const segment of path) {
    current = current.flatMap((s) => {
      if (s instanceof z.ZodObject && typeof segment === 'string') {
        const child = (s.shape as Record<string, z.ZodType | undefined>)[segment];
        return child ? unwrap(child) : [];
      }
      if (s instanceof z.ZodArray && typeof segment === 'number')
        return unwrap(s.element as z.ZodType);
      if (s instanceof z.ZodRecord) return unwrap(s.valueType as z.ZodType);
      return [];
    });
  }
  return current;
}

function unwrap(s: z.ZodType): z.ZodType[] {
  if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) {
    return unwrap(s.unwrap() as z.ZodType);
  }
  if (s instanceof z.ZodPipe) return unwrap(s.in as z.ZodType);
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap(unwrap);
  return [s];
}

/** The keys the schema allows in the mapping at `path`. */
export function knownKeys(root: z.ZodType, path: ConfigPath): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(root, path)) {
    if (s instanceof z.ZodObject) for (const k of Object.keys(s.shape)) keys.add(k);
  }
  return [...keys];
}

/** A union branch that failed only because the value is of another type (so it was not meant). */
function isTypeMismatch(branch: readonly Issue[]): boolean {
  return branch.every(
    (i) =>
      i.path.length === 0 &&
      (i.code === 'invalid_type' ||
        i.code === 'invalid_value' ||
        (i.code === 'invalid_union' && i.errors.every(isTypeMismatch))),
  );
}

function sizeMessage(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'array') {
    return `must have ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}`;
  }
  if (issue.origin === 'string') {
    if (small && limit === 1) return 'must not be empty';
    return `must be ${small ? 'at least' : 'at most'} ${limit} characters`;
  }
  const bound = small
    ? inclusive
      ? 'at least'
      : 'greater than'
    : inclusive
      ? 'at most'
      : 'less than';
  return `must be ${bound} ${limit}, got ${describeValue(issue.input)}`;
}

/**
 * Translates the issues of one `safeParse` (run with `reportInput: true`) against `root`.
 */
export function schemaProblems(root: z.ZodType, issues: readonly Issue[]): PathProblem[] {
  const out: PathProblem[] = [];
  const visit = (issue: Issue, prefix: ConfigPath) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const plain = (message: string, target: LocateTarget = 'value') =>
      out.push({ path, at: path, target, message });
    if (
      (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
      issue.input === undefined &&
      path.length > 0
    ) {
      const key = path[path.length - 1];
      out.push({
        path,
        at: path.slice(0, -1),
        target: 'value',
        message: `missing required key "${String(key)}"`,
      });
      return;
    }
    switch (issue.code) {
      case 'invalid_union': {
        const meant = issue.errors.filter((b) => !isTypeMismatch(b));
        if (meant.length > 0) {
          const best = meant.reduce((a, b) => (b.length < a.length ? b : a));
          for (const inner of best) visit(inner, path);
          return;
        }
        const got = describeValue(issue.input);
        if (issue.message !== 'Invalid input') return plain(`${issue.message}, got ${got}`);
        const expected = [...new Set(issue.errors.flat().flatMap(expectedName))];
        return plain(`expected ${expected.join(' or ')}, got ${got}`);
      }
      case 'unrecognized_keys': {
        const known = knownKeys(root, path);
        for (const key of issue.keys) {
          const at = [...path, key];
          out.push({
            path: at,
            at,
            target: 'key',
            message: `unknown key "${key}"${didYouMean(key, known)}`,
          });
        }
        return;
      }
      case 'invalid_key': {
        const reasons = issue.issues.map((i) => i.message).join('; ');
        return plain(`invalid name ${describeValue(issue.input)}: ${reasons}`, 'key');
      }
      case 'invalid_type':
        return plain(`expected ${expectedName(issue)[0]}, got ${describeValue(issue.input)}`);
      case 'invalid_value': {
        const values = issue.values.map((v) => JSON.stringify(v));
        const got = describeValue(issue.input);
        const hint =
          typeof issue.input === 'string'
            ? didYouMean(
                issue.input,
                issue.values.filter((v): v is string => typeof v === 'string'),
              )
            : '';
        const expected = values.length === 1 ? values[0]! : `one of ${values.join(', ')}`;
        return plain(`expected ${expected}, got ${got}${hint}`);
      }
      case 'too_small':
      case 'too_big':
        return plain(sizeMessage(issue));
      case 'invalid_format':
        return plain(`${issue.message}, got ${describeValue(issue.input)}`);
      default:
        return plain(issue.message);
    }
  };
  for (const issue of issues) visit(issue, []);
  return out;
}
