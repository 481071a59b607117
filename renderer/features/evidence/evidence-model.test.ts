import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { CONTROL_IDS, controlCoverage, EVIDENCE_CONTROLS } from './controls.js';
import { EVENT_COLUMNS, eventRows, eventsInPeriod, GRANT_COLUMNS, grantRows, grantsInPeriod, REQUEST_COLUMNS, requestRows, requestsInPeriod } from './evidence-csv.js';
import { chainPosition, checkPeriodChain, computeFigures, exceptions, percentile, periodInChain, resourceRows } from './evidence-model.js';
import { checkpointFor } from './evidence-pack.js';
import { customPeriod, periodFor, periodSlug } from './period.js';
import { BARE_CR, FORMULA, Q3_2026, seededData } from './test-seed.js';
import { toCsv } from '../../lib/csv.js';

const MIN = 60_000;
const data = seededData();
const names = { user: (id: string) => data.users.find((u) => u.id === id)?.displayName ?? id, resource: (id: string) => data.resources.find((r) => r.id === id)?.name ?? id };

describe('evidence periods', () => {
  it('last quarter is the previous calendar quarter in UTC, across a year boundary too', () => {
    expect(periodFor('last_quarter', new Date('2026-12-02T06:00:00Z'))).toEqual(Q3_2026);
    expect(periodFor('last_quarter', new Date('2027-02-10T00:00:00Z'))).toEqual({ from: '2026-10-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', label: 'Q4 2026' });
    expect(periodSlug(Q3_2026)).toBe('2026-07-01_2026-09-30');
    expect(customPeriod('2026-07-01', '2026-09-30')).toMatchObject({ from: Q3_2026.from, to: Q3_2026.to });
    expect(customPeriod('2026-09-30', '2026-07-01')).toBeNull();
  });
});

describe('evidence figures for the seeded quarter', () => {
  it('counts requests asked in the period and approvals decided in it', () => {
    const f = computeFigures(data, Q3_2026);
    expect(f.requests).toEqual({ total: 7, approved: 4, autoApproved: 1, denied: 1, expired: 0, cancelled: 0, ineligible: 1, open: 1 });
    // Approvals decided in Q3: 1, 2, 10, 30 and 90 minutes (r-7 was asked in Q2).
    expect(f.approvalTime).toEqual({ count: 5, medianMs: 10 * MIN, p90Ms: 90 * MIN, maxMs: 90 * MIN });
  });

  it('grants, revocation lateness, failed revocations, receipts, drift, break-glass and sign-ins', () => {
    const f = computeFigures(data, Q3_2026);
    expect(f.grants).toEqual({ started: 5, ended: 4, peopleWithAccess: 3 });
    expect(f.revocationLateness).toEqual({ count: 4, medianMs: 0, p90Ms: 20 * MIN, maxMs: 20 * MIN, late: 1 });
    expect(f.failedRevocations).toBe(1);
    expect(f.verifications).toEqual({ total: 6, byResult: { effective: 1, gone: 2, still_present: 1, drift: 1, inconclusive: 1 } });
    expect(f.drift).toEqual({ receipts: 1, grants: 1 });
    expect(f.breakGlass).toBe(1);
    expect(f.signIns).toEqual({ succeeded: 1, failed: 1, stepUpSucceeded: 1, stepUpFailed: 0 });
  });

  it('a table per resource, by name', () => {
    expect(resourceRows(data, Q3_2026)).toEqual([
      { resourceId: 'res-2', name: 'ERP vendor master', requests: 4, approved: 2, denied: 1, grants: 2, medianApprovalMs: MIN, revoked: 1, late: 0, drift: 1, breakGlass: 1 },
      { resourceId: 'res-1', name: 'Payroll DB admins', requests: 3, approved: 3, denied: 0, grants: 3, medianApprovalMs: 30 * MIN, revoked: 3, late: 1, drift: 0, breakGlass: 0 },
    ]);
  });

  it('the exceptions in time order, each with the controls it bears on', () => {
    const list = exceptions(data, Q3_2026);
    expect(list.map((e) => [e.kind, e.grantId, e.at])).toEqual([
      ['late_revocation', 'g-2', '2026-08-01T12:50:00.000Z'],
      ['failed_revocation', 'g-3', '2026-08-05T10:02:00.000Z'],
      ['break_glass', 'g-4', '2026-09-10T22:01:00.000Z'],
      ['drift', 'g-4', '2026-09-20T08:00:00.000Z'],
    ]);
    expect(list[0]!.detail).toBe('removed 20 min after expiry');
    expect(list[1]!.detail).toBe('removal failed after 5 attempts: Graph answered 503');
    expect(list[2]!.detail).toBe('emergency self-approval: outage: ERP down');
    for (const e of list) expect(e.controls).toEqual(EVIDENCE_CONTROLS[`exception.${e.kind}`]);
  });

  it('the chain position of the period, with the chain re-hashed from the period\'s first event', () => {
    const pos = chainPosition(data.audit, Q3_2026);
    expect(pos).toMatchObject({ firstSeq: 2, lastSeq: 5, lastHash: data.audit[4]!.hash, events: 4, headSeq: 6, headHash: data.audit[5]!.hash, localCheck: { ok: true, checkedFrom: 2, checkedUpTo: 6 } });
    const edited = data.audit.map((e) => (e.seq === 3 ? { ...e, actorId: 'u-mallory' } : e));
    expect(chainPosition(edited, Q3_2026).localCheck).toMatchObject({ ok: false, message: expect.stringContaining('edited') });
    // After the period but before the seal: still what ties the period to the key.
    const editedAfter = data.audit.map((e) => (e.seq === 6 ? { ...e, actorId: 'u-mallory' } : e));
    expect(chainPosition(editedAfter, Q3_2026).localCheck).toMatchObject({ ok: false, message: expect.stringContaining('edited') });
    expect(chainPosition(data.audit.filter((e) => e.seq !== 4), Q3_2026).localCheck).toMatchObject({ ok: false, message: expect.stringContaining('removed') });
    // A replica that holds no events before the period (an approver's horizon, an archive) still checks the period.
    expect(chainPosition(data.audit.filter((e) => e.seq >= 2), Q3_2026).localCheck).toEqual({ ok: true, checkedFrom: 2, checkedUpTo: 6 });
  });

  it('checks through the checkpoint that seals the period, and not past what the replica holds', () => {
    const { position, sorted } = periodInChain(data.audit, Q3_2026);
    expect(checkPeriodChain(sorted, position, 5)).toEqual({ ok: true, checkedFrom: 2, checkedUpTo: 5 });
    expect(checkPeriodChain(sorted, position, 9)).toMatchObject({ ok: false, message: expect.stringContaining('only up to seq 6') });
    const empty = periodInChain(data.audit, { from: '2027-01-01T00:00:00.000Z', to: '2027-04-01T00:00:00.000Z', label: 'Q1 2027' });
    expect(checkPeriodChain(empty.sorted, empty.position, 6)).toEqual({ ok: true, checkedFrom: 0, checkedUpTo: 0 });
  });

  it('includes the first signed checkpoint sealing the period whose hash the replica holds, else notes the head', () => {
    const pos = chainPosition(data.audit, Q3_2026);
    const hashAt = (seq: number) => data.audit.find((e) => e.seq === seq)?.hash;
    const cp = (seq: number, hash = hashAt(seq)!) => ({ seq, hash, at: '2026-10-05T09:00:00.000Z', keyId: 'ab'.repeat(8), signature: 'cd'.repeat(64) });
    expect(checkpointFor(null, pos, hashAt)).toMatchObject({ checkpoint: null, note: expect.stringContaining('has seen no server-signed checkpoint') });
    expect(checkpointFor([cp(3)], pos, hashAt)).toMatchObject({ checkpoint: null, note: expect.stringContaining('No signed checkpoint') });
    expect(checkpointFor([cp(6), cp(5), cp(3)], pos, hashAt).checkpoint?.seq).toBe(5);
    // A checkpoint the replica's chain disagrees with is not offered as covering it.
    expect(checkpointFor([cp(5, 'ee'.repeat(32)), cp(6)], pos, hashAt).checkpoint?.seq).toBe(6);
  });

  it('percentiles by nearest rank', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });
});

describe('control mapping', () => {
  it('every control is evidenced by some figure and every item names known controls', () => {
    for (const c of controlCoverage()) expect(c.items.length, c.control).toBeGreaterThan(0);
    for (const ids of Object.values(EVIDENCE_CONTROLS)) for (const id of ids) expect(CONTROL_IDS).toContain(id);
  });
});

describe('evidence CSVs, parsed back', () => {
  const parse = (text: string) => Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { newline: '\r\n', skipEmptyLines: true }).data;

  it('requests of the period: one row each as written, a formula neutralised and a bare CR kept in its cell', () => {
    const requests = requestsInPeriod(data.requests, Q3_2026);
    const rows = parse(toCsv(REQUEST_COLUMNS, requestRows(requests, names), { bom: true }));
    expect(rows[0]).toEqual([...REQUEST_COLUMNS]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['r-1', 'r-2', 'r-3', 'r-4', 'r-5', 'r-6', 'r-9']);
    const col = (id: string, name: (typeof REQUEST_COLUMNS)[number]) => rows.find((r) => r[0] === id)![REQUEST_COLUMNS.indexOf(name)];
    expect(col('r-1', 'justification')).toBe(`'${FORMULA}`);
    expect(col('r-2', 'justification')).toBe(BARE_CR);
    expect(col('r-6', 'break_glass')).toBe('true');
    expect(col('r-1', 'approvers')).toBe('Alice Approver (approve)');
    expect(rows.every((r) => r.length === REQUEST_COLUMNS.length)).toBe(true);
  });

  it('grants in force in the period and events of the period, cell for cell', () => {
    const grants = grantsInPeriod(data.grants, Q3_2026);
    const g = parse(toCsv(GRANT_COLUMNS, grantRows(grants, names)));
    expect(g.slice(1).map((r) => r[0])).toEqual(['g-5', 'g-1', 'g-2', 'g-3', 'g-4']);
    expect(g.slice(1)).toEqual(grantRows(grants, names).map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c)))));
    const events = eventsInPeriod(data.audit, Q3_2026);
    const e = parse(toCsv(EVENT_COLUMNS, eventRows(events, names)));
    expect(e.slice(1).map((r) => [r[0], r[3], r[10]])).toEqual(events.map((x) => [String(x.seq), x.type, x.hash]));
    // Event data that starts with a formula is JSON: it starts with '{', so it is kept as written.
    expect(JSON.parse(e[4]![EVENT_COLUMNS.indexOf('data')]!)).toEqual({ justification: FORMULA });
  });
});

describe('signed checkpoints seen by this console', () => {
  it('keeps one per sequence, in order, with the latest key', async () => {
    const { mergeCheckpoints } = await import('./signed-checkpoints.js');
    const cp = (seq: number) => ({ seq, hash: 'ab'.repeat(32), at: '2026-10-05T09:00:00.000Z', keyId: 'k1', signature: 'cd'.repeat(64) });
    const key = { keyId: 'k1', publicKey: 'AAAA' };
    let seen = mergeCheckpoints({ checkpoints: [], publicKey: null }, [cp(10)], key);
    seen = mergeCheckpoints(seen, [cp(10), cp(4)], null);
    seen = mergeCheckpoints(seen, [], null);
    expect(seen.checkpoints.map((c) => c.seq)).toEqual([4, 10]);
    expect(seen.publicKey).toEqual(key);
  });
});
