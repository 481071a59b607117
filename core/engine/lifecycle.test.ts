import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedTransitions, canTransition, isTerminal, TERMINAL_STATES, transition, type LifecycleState } from './lifecycle.js';

/** Written out here on purpose: a change to the state machine must be a deliberate change to this table too. */
const EXPECTED: Record<LifecycleState, LifecycleState[]> = {
  requested: ['eligibility_checked', 'ineligible', 'cancelled'],
  eligibility_checked: ['pending_approval', 'approved', 'cancelled'],
  pending_approval: ['approved', 'denied', 'expired', 'cancelled'],
  approved: ['provisioning', 'cancelled'],
  denied: [],
  expired: [],
  cancelled: [],
  ineligible: [],
  provisioning: ['active', 'provision_failed', 'revoking'],
  provision_failed: ['provisioning', 'revoking'],
  active: ['active', 'revoking'],
  revoking: ['revoked', 'revoke_failed'],
  revoke_failed: ['revoking', 'revoked'],
  revoked: ['verified', 'revoking'],
  verified: [],
};
const STATES = Object.keys(EXPECTED) as LifecycleState[];

describe('lifecycle state machine', () => {
  for (const from of STATES) {
    it(`${from}: allows exactly ${EXPECTED[from].join(', ') || 'nothing'}`, () => {
      expect([...allowedTransitions(from)].sort()).toEqual([...EXPECTED[from]].sort());
      for (const to of STATES) {
        expect(canTransition(from, to)).toBe(EXPECTED[from].includes(to));
        const result = transition(from, to);
        expect(result.ok).toBe(EXPECTED[from].includes(to));
      }
    });
  }

  it('has exactly the terminal states denied, expired, cancelled, ineligible, verified', () => {
    expect([...TERMINAL_STATES].sort()).toEqual(['cancelled', 'denied', 'expired', 'ineligible', 'verified']);
    for (const s of STATES) expect(isTerminal(s)).toBe(EXPECTED[s].length === 0);
  });

  it('answers a move out of a terminal state with already_decided, and a wrong move with invalid_transition', () => {
    const fromTerminal = transition('denied', 'approved');
    expect(fromTerminal).toMatchObject({ ok: false, code: 'already_decided', message: 'it is already denied' });
    const wrong = transition('pending_approval', 'active');
    expect(wrong).toMatchObject({ ok: false, code: 'invalid_transition', message: 'cannot go from pending_approval to active' });
  });

  it('property: once in a terminal state, no sequence of attempted transitions leaves it', () => {
    const state = fc.constantFrom(...STATES);
    fc.assert(
      fc.property(state, fc.array(state, { maxLength: 40 }), (start, attempts) => {
        let current = start;
        let terminalReached: LifecycleState | null = isTerminal(current) ? current : null;
        for (const to of attempts) {
          const result = transition(current, to);
          if (result.ok) current = result.value;
          if (terminalReached) expect(current).toBe(terminalReached);
          else if (isTerminal(current)) terminalReached = current;
        }
      }),
      { numRuns: 500 },
    );
  });
});
