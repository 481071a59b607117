/**
 * What every editor form shares: durations typed as people say them (2h, 1d, 90m), field
 * messages from the core schemas' issues in words, and the server's refusal put on the field it names.
 */
import type { z } from 'zod';
import { formatDuration, parseDuration, refusedField } from '../../../core/index.js';

/** Field path ("maxDurationMinutes", "approvalSteps.0.name", "" for the whole entity) -> what is wrong with it. */
export type Problems = Record<string, string>;

/** 90 -> "1h30m", 1440 -> "1d": what a duration field shows for a stored number of minutes. */
export function minutesAsText(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].join('') || '0m';
}

const MAX_MINUTES = 366 * 24 * 60;

/** A typed duration as whole minutes, or what is wrong with it (the schema's range: 1 minute to 366 days). */
export function readDuration(text: string): { minutes: number } | { problem: string } {
  const parsed = parseDuration(text);
  if (!parsed.ok) return { problem: parsed.message };
  if (parsed.minutes > MAX_MINUTES) return { problem: `must be at most 366 days (${text.trim()} is ${formatDuration(parsed.minutes)})` };
  return { minutes: parsed.minutes };
}

/** A zod issue in words people read beside a field. */
export function issueInWords(issue: z.core.$ZodIssue): string {
  // A schema's own message ("a resource needs at least one access policy") is already in words.
  if (!/^(Too small|Too big|Invalid input)/.test(issue.message)) return issue.message;
  if (issue.code === 'too_small') {
    if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'is required' : `must be at least ${issue.minimum} characters`;
    if (issue.origin === 'array') return `needs at least ${issue.minimum}`;
    return `must be at least ${issue.minimum}`;
  }
  if (issue.code === 'too_big') {
    if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
    if (issue.origin === 'array') return `takes at most ${issue.maximum}`;
    return `must be at most ${issue.maximum}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  return issue.message;
}

/** The schema's issues by field, the first per field. */
export function schemaProblems(result: z.ZodSafeParseResult<unknown>, into: Problems = {}): Problems {
  if (result.success) return into;
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join('.');
    into[field] ??= issueInWords(issue);
  }
  return into;
}

/** A field problem from core's checks, added when the field has none yet. */
export function addProblems(into: Problems, problems: readonly { field: string; message: string }[]): Problems {
  for (const p of problems) into[p.field] ??= p.message;
  return into;
}

/**
 * Where a server refusal belongs: on the field it names when the form shows that field (or its
 * nearest shown parent: "approvalSteps.0.approverIds.2" is shown on "approvalSteps.0.approverIds"),
 * otherwise above the form.
 */
export function placeRefusal(message: string, entity: 'policy' | 'profile' | 'resource', shownFields: readonly string[]): { field: string; message: string } {
  const named = refusedField(message, entity);
  if (!named) return { field: '', message };
  let field = named.field;
  while (field !== '' && !shownFields.includes(field)) field = field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : '';
  return { field, message: field === named.field ? named.message : `${named.field}: ${named.message}` };
}

/** An id for a new entity from its name: "pol-night-operations", with a suffix when that one exists. */
export function newEntityId(prefix: string, name: string, taken: (id: string) => boolean): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const base = `${prefix}-${slug || 'new'}`;
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}
