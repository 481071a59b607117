import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../schema/policy.js';
import { unsafeTicketPattern } from '../schema/ticket.js';
import { checkTicket, matchesTicketFormat, ticketFormatOf, ticketFormatsOf } from './ticket.js';

const at = '2025-03-03T10:00:00.000Z';
const policy = (over: Record<string, unknown>) => AccessPolicy.safeParse({ id: 'p-1', name: 'P', maxDurationMinutes: 60, defaultDurationMinutes: 30, updatedAt: at, ...over });

describe('named ticket systems', () => {
  const jira = { system: 'jira', pattern: '[A-Z][A-Z0-9]+-\\d+' } as const;
  const servicenow = { system: 'servicenow', pattern: '(INC|CHG|RITM)\\d{7}' } as const;

  it('Jira takes issue keys, ServiceNow its numbers, whole and trimmed', () => {
    expect(ticketFormatOf({ ticketSystem: 'jira', ticketPattern: '' })).toEqual(jira);
    expect(ticketFormatOf({ ticketSystem: 'servicenow', ticketPattern: '' })).toEqual(servicenow);
    for (const ok of ['OPS-1', 'AB2-12345', ' SEC-42 ']) expect(matchesTicketFormat(jira, ok), ok).toBe(true);
    for (const bad of ['lol', 'ops-1', 'OPS-', 'OPS-1 and more', 'x OPS-1', '1OPS-1']) expect(matchesTicketFormat(jira, bad), bad).toBe(false);
    for (const ok of ['INC0012345', 'CHG1234567', 'RITM0000001']) expect(matchesTicketFormat(servicenow, ok), ok).toBe(true);
    for (const bad of ['INC123', 'INC00123456', 'PRB0012345', 'INC-0012345']) expect(matchesTicketFormat(servicenow, bad), bad).toBe(false);
  });

  it('a refusal names the field and the form expected', () => {
    expect(checkTicket([jira], 'lol')).toEqual({
      ok: false,
      code: 'invalid_input',
      message: 'ticket: "lol" does not have the expected form: a Jira issue key such as ABC-123 ([A-Z][A-Z0-9]+-\\d+)',
    });
    expect(checkTicket([jira], 'OPS-7')).toEqual({ ok: true, value: true });
    expect(checkTicket([], 'anything')).toEqual({ ok: true, value: true });
  });

  it('several policies: a ticket must have every form they name; "any" names none', () => {
    const formats = ticketFormatsOf([
      { ticketSystem: 'jira', ticketPattern: '' },
      { ticketSystem: 'any', ticketPattern: '' },
      { ticketSystem: 'jira', ticketPattern: '' },
      { ticketSystem: 'custom', ticketPattern: 'OPS-\\d{4}' },
    ]);
    expect(formats).toEqual([jira, { system: 'custom', pattern: 'OPS-\\d{4}' }]);
    expect(checkTicket(formats, 'OPS-1234').ok).toBe(true);
    expect(checkTicket(formats, 'OPS-12')).toMatchObject({ ok: false, message: 'ticket: "OPS-12" does not have the expected form: one matching OPS-\\d{4}' });
  });

  it('a custom form with no pattern, or an unsafe one, matches nothing (fails closed)', () => {
    expect(matchesTicketFormat({ system: 'custom', pattern: '' }, 'x')).toBe(false);
    expect(matchesTicketFormat({ system: 'custom', pattern: '(a+)+' }, 'aaa')).toBe(false);
  });
});

describe('custom ticket patterns are checked for safety when a policy is saved', () => {
  it('plain patterns pass', () => {
    for (const pattern of ['OPS-\\d{4}', '[A-Z][A-Z0-9]+-\\d+', '(INC|CHG|RITM)\\d{7}', 'TKT-[0-9]{1,8}', '(?:SR|CR)-\\d+', '\\p{Lu}{2,5}-\\d+', 'A+?B', '[(+*)]+x', '(?:SR|CR)?-\\d{1,9}', '[A-Z]+-\\d+', '(\\d{2}){3}', '(?:[A-Z]{2}-){1,3}\\d+']) {
      expect(unsafeTicketPattern(pattern), pattern).toBeNull();
    }
  });

  it('catastrophic, unbounded, back-referencing or invalid patterns are refused, each with the reason', () => {
    const refused: [string, RegExp][] = [
      ['(a+)+', /repeat without bound a group that itself repeats/],
      ['(a|aa)*', /repeat without bound a group that itself repeats or has alternatives/],
      ['(?:x*)*y', /repeat without bound a group/],
      ['((ab)c+){2,5}', /too many ways to match/],
      ['(.*a){10}', /too many ways to match/],
      ['\\d+\\d+\\d+', /too many ways to match \(about 1\.7e\+7/],
      ['(a|a)'.repeat(25), /too many ways to match/],
      ['[A-Z]{1,200}[0-9]{1,200}[a-z]{1,200}', /too many ways to match/],
      ['(a)\\1', /back-references/],
      ['(?<n>a)\\k<n>', /back-references/],
      ['a(?=b)', /lookahead or lookbehind/],
      ['(?<!x)y', /lookahead or lookbehind/],
      ['[a-', /not a valid regular expression/],
      ['a)|(.*', /not a valid regular expression/],
      ['x'.repeat(129), /at most 128 characters/],
    ];
    for (const [pattern, why] of refused) expect(unsafeTicketPattern(pattern), pattern).toMatch(why);
  });

  it('the policy schema refuses an unsafe pattern by field, and keeps "any" as the default', () => {
    const bad = policy({ ticketSystem: 'custom', ticketPattern: '(a+)+$' });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(bad.error.issues[0]?.path).toEqual(['ticketPattern']);
    expect(policy({ ticketSystem: 'custom', ticketPattern: 'OPS-\\d{4}' }).success).toBe(true);
    expect(policy({}).data).toMatchObject({ ticketSystem: 'any', ticketPattern: '' });
    expect(policy({ ticketSystem: 'bugzilla' }).success).toBe(false);
  });

  it('property: a group that itself repeats, repeated without bound, is always refused, whatever surrounds it', () => {
    const atom = fc.constantFrom('a', '\\d', '[A-Z]', '.', 'x');
    const inner = fc.constantFrom('+', '*', '{1,9}', '{2,}', '?');
    const outer = fc.constantFrom('+', '*', '{1,}', '{3,}');
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }).map((s) => s.replace(/[\\()[\]{}|*+?.^$]/g, '')), atom, inner, outer, fc.boolean(), (prefix, a, q1, q2, capture) => {
        const pattern = `${prefix}(${capture ? '' : '?:'}${a}${q1}b)${q2}`;
        expect(unsafeTicketPattern(pattern)).toMatch(/repeat without bound a group/);
      }),
    );
  });

  it('property: whatever a ticket says, an accepted pattern answers without throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom('OPS-\\d{4}', '[A-Z][A-Z0-9]+-\\d+', '(INC|CHG|RITM)\\d{7}', '\\p{Lu}+-\\d{1,6}'), fc.string({ maxLength: 256 }), (pattern, ticket) => {
        expect(unsafeTicketPattern(pattern)).toBeNull();
        expect(typeof matchesTicketFormat({ system: 'custom', pattern }, ticket)).toBe('boolean');
      }),
    );
  });
});
