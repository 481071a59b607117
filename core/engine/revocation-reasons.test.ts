import { describe, expect, it } from 'vitest';
import { categoryOfReason, PERSON_CATEGORIES, revocationCategoryFor, revocationCategoryOf, SYSTEM_CATEGORIES } from './revocation-reasons.js';

describe('revocation categories', () => {
  it('a person picks from their side only: the holder gives back, anyone else names admin or security_incident', () => {
    expect(revocationCategoryFor(undefined, 'own')).toEqual({ ok: true, value: 'give_back' });
    expect(revocationCategoryFor(undefined, 'other')).toEqual({ ok: true, value: 'admin' });
    expect(revocationCategoryFor('security_incident', 'other')).toEqual({ ok: true, value: 'security_incident' });
    expect(revocationCategoryFor('admin', 'own')).toMatchObject({ ok: false, code: 'invalid_input', message: 'category "admin" is not one for ending your own access; ending your own access, the category is one of give_back' });
  });

  it('refuses an unknown category, and one the server sets, naming it', () => {
    expect(revocationCategoryFor('bored', 'other')).toMatchObject({ ok: false, code: 'invalid_input', message: 'category "bored" is not a revocation category; one of admin, security_incident' });
    expect(revocationCategoryFor('expiry', 'other')).toMatchObject({ ok: false, message: expect.stringContaining('category "expiry" is set by the server, never sent') });
    expect(SYSTEM_CATEGORIES).toEqual(['expiry', 'review', 'offboarding', 'account_disabled', 'standing_converted', 'cancelled_before_start']);
    expect([...PERSON_CATEGORIES.own, ...PERSON_CATEGORIES.other, ...SYSTEM_CATEGORIES]).toHaveLength(9);
  });

  it('reads the category of a grant ended before categories were stored from the reason the server wrote', () => {
    expect(categoryOfReason('expired', 'system', 'u-bob')).toBe('expiry');
    expect(categoryOfReason('offboarding', 'u-admin', 'u-bob')).toBe('offboarding');
    expect(categoryOfReason('disabled', 'u-admin', 'u-bob')).toBe('account_disabled');
    expect(categoryOfReason('review: stale admin', 'u-alice', 'u-bob')).toBe('review');
    expect(categoryOfReason('standing access converted to eligible: no standing admins', 'u-admin', 'u-bob')).toBe('standing_converted');
    expect(categoryOfReason('cancelled before its start: plans changed', 'u-bob', 'u-bob')).toBe('cancelled_before_start');
    expect(categoryOfReason('done early', 'u-bob', 'u-bob')).toBe('give_back');
    expect(categoryOfReason('contractor left', 'u-alice', 'u-bob')).toBe('admin');
    const ended = { endedReason: 'done early', endedBy: 'u-bob', userId: 'u-bob', revokeRequestedAt: '2026-03-02T09:00:00.000Z' };
    expect(revocationCategoryOf(ended)).toBe('give_back');
    // The stored category wins; a live grant has none.
    expect(revocationCategoryOf({ ...ended, endedCategory: 'security_incident' })).toBe('security_incident');
    expect(revocationCategoryOf({ endedReason: '', endedBy: null, userId: 'u-bob', revokeRequestedAt: null })).toBeNull();
  });
});
