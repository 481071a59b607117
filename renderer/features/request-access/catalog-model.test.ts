import { describe, expect, it } from 'vitest';
import { parseDuration, type CatalogEntry } from '../../../core/index.js';
import { checkDraft, durationChoices, durationText, filterCatalog } from './catalog-model.js';

const entry = (over: Partial<CatalogEntry> = {}): CatalogEntry => ({
  id: 'res-reader',
  name: 'Global Reader',
  description: 'Read everything, change nothing.',
  kind: 'entra_role',
  sensitivity: 'medium',
  maxDurationMinutes: 480,
  defaultDurationMinutes: 120,
  requireJustification: true,
  requireTicket: true,
  policy: { maxDurationMinutes: 480, defaultDurationMinutes: 120, requireJustification: true, requireTicket: true, autoApprove: false, breakGlass: false, maxExtensions: 1, requestTtlMinutes: 10080, ticketFormats: [], requireMfa: false, mfaFreshMinutes: 15, steps: [] },
  policyInWords: [],
  problem: null,
  typicalApproval: null,
  ...over,
});

describe('checkDraft', () => {
  it('names each field the server would refuse, in the form’s words', () => {
    const { problems, fields } = checkDraft(entry(), { duration: '9h', justification: '  ', ticket: '' });
    expect(fields).toBeNull();
    expect(problems).toEqual({
      duration: 'At most 8 h for Global Reader',
      justification: 'Say why you need this access: the approvers read it',
      ticket: 'Global Reader needs a ticket reference (the change or incident this work is for)',
    });
    expect(checkDraft(entry(), { duration: '90', justification: 'x', ticket: 'INC1' }).problems.duration).toMatch(/^Duration "90" has no unit/);
  });

  it('gives the fields to send when nothing is wrong', () => {
    expect(checkDraft(entry(), { duration: '1h30m', justification: 'Audit', ticket: 'INC0012345' })).toEqual({ problems: {}, fields: { durationMinutes: 90, justification: 'Audit', ticket: 'INC0012345' }, minutes: 90 });
  });

  it('refuses a resource that cannot be requested, with the server’s reason', () => {
    expect(checkDraft(entry({ policy: null, problem: 'access policy p-x of Global Reader does not exist' }), { duration: '1h', justification: 'x', ticket: 'y' }).problems.duration).toMatch(/does not exist/);
  });
});

describe('durations', () => {
  it('offers quick picks up to the maximum, the recommended one among them', () => {
    expect(durationChoices(480, 120)).toEqual([30, 60, 120, 240, 480]);
    expect(durationChoices(90, 45)).toEqual([30, 45, 60]);
    expect(durationChoices(20, 20)).toEqual([20]);
  });

  it('writes minutes the way the field reads them back', () => {
    for (const minutes of [1, 45, 60, 90, 1440, 1530]) expect(parseDuration(durationText(minutes))).toEqual({ ok: true, minutes });
  });
});

describe('filterCatalog', () => {
  it('matches every word against name, description, kind and sensitivity', () => {
    const entries = [entry(), entry({ id: 'res-ops', name: 'Prod operators', description: 'PIM group', kind: 'entra_pim_group', sensitivity: 'high' })];
    expect(filterCatalog(entries, 'reader').map((e) => e.id)).toEqual(['res-reader']);
    expect(filterCatalog(entries, 'pim high').map((e) => e.id)).toEqual(['res-ops']);
    expect(filterCatalog(entries, '  ')).toHaveLength(2);
  });
});

