import { z } from 'zod';

/**
 * The ticket systems a policy can name: `any` takes any reference, the named ones their own form,
 * `custom` a pattern of the policy's own. A ticket is always matched whole.
 */
export const TicketSystem = z.enum(['any', 'jira', 'servicenow', 'custom']);
export type TicketSystem = z.infer<typeof TicketSystem>;

export const NAMED_TICKET_FORMATS = {
  jira: { pattern: '[A-Z][A-Z0-9]+-\\d+', example: 'ABC-123', words: 'a Jira issue key' },
  servicenow: { pattern: '(INC|CHG|RITM)\\d{7}', example: 'INC0012345', words: 'a ServiceNow incident, change or requested item number' },
} as const;

export const TICKET_PATTERN_MAX = 128;
/** Tickets are at most this long (core/schema/request.ts): the bound an unbounded repetition can run to. */
const TICKET_MAX = 256;
/** The most ways a pattern may have to match one ticket: Jira's form has about 66,000; backtracking stays in milliseconds. */
export const TICKET_PATTERN_MAX_WAYS = 1_000_000;

/** A group being read: the ways its finished branches can match, and the branch being read. */
type Frame = { done: number; branch: number };

const newFrame = (): Frame => ({ done: 0, branch: 1 });

/** The counts a quantifier allows, from and to (a ticket's length for no bound). */
function counts(quantifier: string): { min: number; max: number } {
  if (quantifier === '?') return { min: 0, max: 1 };
  if (quantifier === '*') return { min: 0, max: TICKET_MAX };
  if (quantifier === '+') return { min: 1, max: TICKET_MAX };
  const [, min = '0', comma, max] = /^\{(\d+)(,(\d*))?\}$/.exec(quantifier) ?? [];
  const from = Math.min(TICKET_MAX, Number(min));
  if (comma === undefined) return { min: from, max: from };
  return { min: from, max: max === '' || max === undefined ? TICKET_MAX : Math.max(from, Math.min(TICKET_MAX, Number(max))) };
}

/** Ways to match something that matches `ways` ways, repeated as the quantifier says (an upper bound). */
function repeatedWays(ways: number, quantifier: string): number {
  const { min, max } = counts(quantifier);
  return ways <= 1 ? max - min + 1 : 2 * ways ** max;
}

/**
 * Why a custom ticket pattern is refused, or null when it is safe to run on any ticket. Safe
 * means: a valid regular expression (Unicode mode), no back-references or lookaround, no group
 * that can match in several ways repeated without bound (`(a+)+`, `(a|ab)*`: exponential
 * backtracking), and at most TICKET_PATTERN_MAX_WAYS ways to match a ticket (the product of what
 * each repetition allows, summed over alternatives), which bounds the backtracking on a
 * 256-character ticket.
 */
export function unsafeTicketPattern(pattern: string): string | null {
  if (pattern.length > TICKET_PATTERN_MAX) return `must be at most ${TICKET_PATTERN_MAX} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`;
  }
  const stack: Frame[] = [newFrame()];
  let last: 'start' | 'atom' | 'group' | 'quantifier' = 'start';
  let closedWays = 1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    const top = stack[stack.length - 1] as Frame;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'must not use back-references (\\1, \\k<name>)';
      if ((next === 'p' || next === 'P' || next === 'u') && pattern[i + 2] === '{') i = Math.max(i + 2, pattern.indexOf('}', i + 2));
      else i++;
      last = 'atom';
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j;
      last = 'atom';
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const kind = pattern[i + 2];
        if (kind === '=' || kind === '!' || (kind === '<' && (pattern[i + 3] === '=' || pattern[i + 3] === '!'))) return 'must not use lookahead or lookbehind';
        i = kind === '<' ? pattern.indexOf('>', i) : i + 2;
      }
      stack.push(newFrame());
      last = 'start';
      continue;
    }
    if (c === ')') {
      const closed = stack.pop() as Frame;
      closedWays = closed.done + closed.branch;
      (stack[stack.length - 1] as Frame).branch *= closedWays;
      last = 'group';
      continue;
    }
    if (c === '|') {
      top.done += top.branch;
      top.branch = 1;
      last = 'start';
      continue;
    }
    const braces = c === '{' ? /^\{\d+(,\d*)?\}/.exec(pattern.slice(i)) : null;
    if (c === '*' || c === '+' || c === '?' || braces) {
      // `?` after a quantifier makes it lazy: no repetition of its own.
      if (c === '?' && last === 'quantifier') continue;
      const quantifier = braces ? braces[0] : c;
      if (last === 'group') {
        if (closedWays > 1 && counts(quantifier).max === TICKET_MAX) {
          return 'must not repeat without bound a group that itself repeats or has alternatives, such as (a+)+ or (a|ab)*: matching could take exponential time';
        }
        // The group's ways were counted once when it closed; repeated, they multiply.
        top.branch = (top.branch / closedWays) * repeatedWays(closedWays, quantifier);
      } else top.branch *= repeatedWays(1, quantifier);
      i += quantifier.length - 1;
      last = 'quantifier';
      continue;
    }
    last = 'atom';
  }
  const root = stack[0] as Frame;
  const ways = root.done + root.branch;
  if (ways > TICKET_PATTERN_MAX_WAYS) {
    return `has too many ways to match (about ${ways.toPrecision(2)}, at most ${TICKET_PATTERN_MAX_WAYS.toLocaleString('en')}); bound its repetitions, such as \\d{1,10} instead of \\d+`;
  }
  return null;
}

/** A custom ticket pattern: empty, or safe to run (checked wherever a policy is validated, so at save time). */
export const TicketPattern = z
  .string()
  .max(TICKET_PATTERN_MAX)
  .superRefine((pattern, ctx) => {
    if (pattern === '') return;
    const why = unsafeTicketPattern(pattern);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });
