import type { AccessPolicy } from '../schema/policy.js';
import { NAMED_TICKET_FORMATS, unsafeTicketPattern, type TicketSystem } from '../schema/ticket.js';
import { err, ok, type Result } from './result.js';

/** The form one policy asks of a ticket: its system and the pattern a ticket must match whole. */
export type TicketFormat = { system: TicketSystem; pattern: string };

/** A policy's ticket form, or null when it takes any ticket. */
export function ticketFormatOf(policy: Pick<AccessPolicy, 'ticketSystem' | 'ticketPattern'>): TicketFormat | null {
  // Policies stored before ticket systems existed have neither field: they take any ticket.
  const system = policy.ticketSystem ?? 'any';
  if (system === 'any') return null;
  if (system === 'custom') return { system, pattern: policy.ticketPattern ?? '' };
  return { system, pattern: NAMED_TICKET_FORMATS[system].pattern };
}

/** The forms of several policies, each once (a ticket must match all of them). */
export function ticketFormatsOf(policies: readonly Pick<AccessPolicy, 'ticketSystem' | 'ticketPattern'>[]): TicketFormat[] {
  const out: TicketFormat[] = [];
  for (const format of policies.map(ticketFormatOf)) {
    if (format && !out.some((f) => f.system === format.system && f.pattern === format.pattern)) out.push(format);
  }
  return out;
}

/** "a Jira issue key such as ABC-123 ([A-Z][A-Z0-9]+-\d+)", "one matching INC\d{7}": what a person reads. */
export function describeTicketFormat(format: TicketFormat): string {
  if (format.system === 'jira' || format.system === 'servicenow') {
    const named = NAMED_TICKET_FORMATS[format.system];
    return `${named.words} such as ${named.example} (${named.pattern})`;
  }
  if (format.system === 'custom') return format.pattern ? `one matching ${format.pattern}` : 'a form the access policy does not name';
  return 'any reference';
}

/** Whether the ticket (trimmed) has this form. A pattern that is missing or unsafe matches nothing: the rule fails closed. */
export function matchesTicketFormat(format: TicketFormat, ticket: string): boolean {
  if (format.system === 'any') return true;
  if (format.pattern === '' || unsafeTicketPattern(format.pattern) !== null) return false;
  return new RegExp(`^(?:${format.pattern})$`, 'u').test(ticket.trim());
}

/** A given ticket must have every bound policy's form; the refusal names the field and the form expected. */
export function checkTicket(formats: readonly TicketFormat[], ticket: string): Result<true> {
  const trimmed = ticket.trim();
  const wrong = formats.find((f) => !matchesTicketFormat(f, trimmed));
  if (!wrong) return ok(true);
  const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
  return err('invalid_input', `ticket: "${shown}" does not have the expected form: ${describeTicketFormat(wrong)}`);
}
