/**
 * Measures and neutralisers for input an attacker shapes.
 *
 * - Nesting, measured without recursion: a hostile body can nest a hundred thousand levels inside
 *   the 1 MB limit; recursive code (JSON.stringify, a canonical serialiser) overflows the stack on
 *   it, and SQLite's JSON functions refuse more than 1000 levels.
 * - Text that quotes what was sent (an unknown key, a collection name) and is shown to people or
 *   stored: control, zero-width and bidirectional characters and lone surrogates are written as
 *   visible `\u{...}` escapes, so a message cannot hide or reorder what it says.
 */

/** No command payload the server accepts nests deeper than a handful of levels; this leaves room. */
export const MAX_PAYLOAD_DEPTH = 64;

/** The nesting depth of `value` (a scalar is 0, `{}` and `[]` are 1), counting no further than `stopAt`. */
export function nestingDepth(value: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest >= stopAt) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, here]);
    }
  }
  return deepest;
}

/**
 * C0/C1 controls, the soft hyphen, the Arabic letter mark, the Mongolian vowel separator, zero-width
 * space, bidi controls, line separators, the BOM, tag characters, and surrogates without their other
 * half (joiners stay: emoji need them).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with every invisible or reordering character written as a visible escape. */
export function printable(text: string): string {
  return text.replace(INVISIBLE, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}
