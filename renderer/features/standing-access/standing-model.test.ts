import { describe, expect, it } from 'vitest';
import type { ClassifiedHolding } from '../../../core/engine/standing-access.js';
import { holderRows, mayRunDiscovery, mayViewStanding, signInWords, type StandingAnswer } from './standing-model.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const holder = (displayName: string, over: Partial<ClassifiedHolding> = {}): ClassifiedHolding => ({
  resourceId: 'res-1',
  connectorId: 'entra-1',
  principalId: `${displayName.toLowerCase()}-id`,
  detail: '#microsoft.graph.user',
  directoryEnabled: true,
  lastSignInAt: '2026-05-30T12:00:00.000Z',
  signInReadable: true,
  firstSeenAt: '2026-05-01T00:00:00.000Z',
  lastSeenAt: '2026-06-01T00:00:00.000Z',
  class: 'standing',
  reason: 'no grant explains it: held outside the console',
  userId: `u-${displayName.toLowerCase()}`,
  displayName,
  grantId: null,
  stale: false,
  ...over,
});
const counts = { explained: 0, standing: 0, orphaned: 0, stale: 0 };
const answer: StandingAnswer = {
  generatedAt: new Date(NOW).toISOString(),
  staleAfterDays: 90,
  totals: counts,
  runs: [],
  resources: [
    { resourceId: 'res-1', name: 'Payroll admins', kind: 'entra_group', connectorId: 'entra-1', sensitivity: 'high', counts, holders: [holder('Ada', { stale: true }), holder('Bob', { class: 'explained', reason: 'explained by grant g-1' })] },
    { resourceId: 'res-2', name: 'Domain Admins', kind: 'ad_group', connectorId: 'ad-1', sensitivity: 'critical', counts, holders: [holder('Cy', { resourceId: 'res-2', class: 'orphaned', userId: null })] },
  ],
};

describe('standing access screen model', () => {
  it('lists holders with their resource, filtered by resource, class, staleness and search words', () => {
    expect(holderRows(answer, 'all', 'all', '').map((r) => [r.displayName, r.resourceName])).toEqual([['Ada', 'Payroll admins'], ['Bob', 'Payroll admins'], ['Cy', 'Domain Admins']]);
    expect(holderRows(answer, 'res-1', 'all', '').map((r) => r.displayName)).toEqual(['Ada', 'Bob']);
    expect(holderRows(answer, 'all', 'orphaned', '').map((r) => r.displayName)).toEqual(['Cy']);
    expect(holderRows(answer, 'all', 'stale', '').map((r) => r.displayName)).toEqual(['Ada']);
    expect(holderRows(answer, 'all', 'all', 'domain').map((r) => r.displayName)).toEqual(['Cy']);
    expect(holderRows(answer, 'all', 'all', 'grant g-1').map((r) => r.displayName)).toEqual(['Bob']);
    expect(holderRows(undefined, 'all', 'all', '')).toEqual([]);
  });

  it('says how long ago someone signed in, never, or that the directory would not say', () => {
    expect(signInWords({ signInReadable: true, lastSignInAt: '2026-05-30T12:00:00.000Z' }, NOW)).toBe('2 days ago');
    expect(signInWords({ signInReadable: true, lastSignInAt: '2026-05-31T11:00:00.000Z' }, NOW)).toBe('yesterday');
    expect(signInWords({ signInReadable: true, lastSignInAt: null }, NOW)).toBe('never');
    expect(signInWords({ signInReadable: false, lastSignInAt: null }, NOW)).toBe('not readable');
  });

  it('follows the matrix: admins, reviewers and auditors read; only admins run discovery', () => {
    expect(['admin', 'reviewer', 'auditor'].map((r) => mayViewStanding([r]))).toEqual([true, true, true]);
    expect(['requester', 'approver', 'policy_admin'].map((r) => mayViewStanding([r]))).toEqual([false, false, false]);
    expect([mayRunDiscovery(['admin']), mayRunDiscovery(['reviewer', 'auditor'])]).toEqual([true, false]);
  });
});
