import { SwitchyardError } from '../../../core/errors.js';

/** A `:name` placeholder: a JS-identifier-like name, as in route patterns. */
const PLACEHOLDER = /:([A-Za-z_][A-Za-z0-9_]*)/g;
/** Printable ASCII minus space and `#`: a literal that needs no further encoding. */
const SAFE_LITERAL = /^[\x21\x22\x24-\x7e]*$/;

/** A compiled upstream path template such as `/orders?user=:userId&limit=5`. */
export interface PathTemplate {
  readonly source: string;
  /** Placeholder names, in order of first appearance, without duplicates. */
  readonly params: readonly string[];
  /**
   * The path and query with every placeholder replaced by its percent-encoded value
   * (`encodeURIComponent`: `/`, `?`, `&`, `=`, `#` and spaces are all escaped, so a value can
   * never add a path segment or a query parameter). Throws `SY_GW_AGGREGATE_BAD_PARAM` (400)
   * when a value is missing or not encodable (a lone surrogate).
   */
  render(params: Readonly<Record<string, string | undefined>>): string;
}

/** A bad aggregator option, thrown at construction (config time), never per request. */
export function invalidAggregateOption(option: string, message: string): SwitchyardError {
  return new SwitchyardError('SY_GW_AGGREGATE_INVALID_OPTION', `${option}: ${message}`, {
    details: { option },
  });
}

/**
 * Parses a path template once, at config time, into literal pieces and placeholder names.
 *
 * @example
 * const t = compilePathTemplate('/orders?user=:userId&limit=5', 'aggregate.orders.path');
 * t.render({ userId: 'a/b c' }); // '/orders?user=a%2Fb%20c&limit=5'
 */
export function compilePathTemplate(template: unknown, option: string): PathTemplate {
  if (typeof template !== 'string' || !template.startsWith('/'))
    throw invalidAggregateOption(option, 'must be a string starting with "/"');
  if (template.startsWith('//'))
    throw invalidAggregateOption(option, 'must not start with "//" (it would name a host)');
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(last, m.index));
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  literals.push(template.slice(last));
  for (const literal of literals) {
    if (!SAFE_LITERAL.test(literal))
      throw invalidAggregateOption(
        option,
        `${JSON.stringify(template)} has a space, "#", a control or a non-ASCII character`,
      );
  }
  const params = [...new Set(names)];
  const source = template;

  function render(values: Readonly<Record<string, string | undefined>>): string {
    let out = literals[0]!;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = values[name];
      if (typeof value !== 'string') throw badParam(name, 'is missing');
      let encoded: string;
      try {
        encoded = encodeURIComponent(value);
      } catch {
        throw badParam(name, 'is not valid Unicode');
      }
      out += encoded + literals[i + 1]!;
    }
    return out;
  }
  return { source, params, render };
}

function badParam(name: string, problem: string): SwitchyardError {
  return new SwitchyardError('SY_GW_AGGREGATE_BAD_PARAM', `route parameter "${name}" ${problem}`, {
    status: 400,
    details: { param: name },
  });
}
