/**
 * A linear pre-scan for `[`/`{` nesting. The YAML parser recurses per level: 100k levels (well
 * under the 1 MB cap) take it seconds before it gives up, so a config watcher fed such a file
 * would stall. Real configs nest a handful of levels.
 */

/** Deepest flow nesting accepted. */
export const MAX_FLOW_DEPTH = 64;

const OPENS_SCALAR = new Set([' ', '\t', '\n', '\r', '[', '{', ',', ':', '-']);

/**
 * The offset of the first `[` or `{` nested deeper than `max`, or -1. Quoted scalars and
 * comments are skipped (a quote or `#` counts only where YAML would start one).
 *
 * @example flowDepthOffset('a: [[1]]', 1) // 4
 */
export function flowDepthOffset(text: string, max = MAX_FLOW_DEPTH): number {
  let depth = 0;
  let quote = '';
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') comment = false;
    if (comment) continue;
    if (quote !== '') {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    const boundary = i === 0 || OPENS_SCALAR.has(text[i - 1]!);
    if ((c === '"' || c === "'") && boundary) quote = c;
    else if (c === '#' && boundary) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > max) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return -1;
}
