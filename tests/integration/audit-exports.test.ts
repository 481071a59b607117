/**
 * Exports leave an event. An auditor's console, offline, makes an evidence pack: the record of it waits
 * in the replica's outbox (the real RxDB replica and replication), and when the console syncs the
 * server records export.made with who made it, when it was made, what it covers, its rows and hashes.
 * Over HTTP: a role that may not make an export is refused naming it; a record that does not hold
 * together is refused naming the field; nothing is recorded for a refusal.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../core/index.js';
import { awaitCommandResult, sendCommand } from '../../renderer/db/commands.js';
import { createJitDatabase } from '../../renderer/db/database.js';
import { startReplication } from '../../renderer/db/replication.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
const HASH = 'ab'.repeat(32);
const MANIFEST = 'cd'.repeat(32);
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
}, 60_000);
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.().catch(() => undefined);
  await srv?.close();
});

const exports = () => [...srv.store.auditEvents()].filter((e) => e.type === 'export.made');
const send = async (username: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token: await srv.login(username), body: { type: 'export.record', payload } });
const pack = (over: Record<string, unknown> = {}) => ({
  kind: 'evidence_pack' as const,
  fileName: 'evidence-2026-q1.zip',
  madeAt: new Date(Date.now() - 60_000).toISOString(),
  rows: 120,
  sha256: HASH,
  manifestSha256: MANIFEST,
  period: { from: '2026-01-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', label: 'Q1 2026' },
  ...over,
});

describe('an export made offline is recorded when the console syncs', () => {
  it('the auditor\'s outbox carries the record; the server logs export.made with the time it was made', async () => {
    const db = await createJitDatabase({ name: 'audit-exports', storage: 'memory', collections: ['commands', 'commandResults'] });
    cleanups.push(() => db.close());
    // Made two hours ago, while offline: queued in the replica only.
    const madeAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const id = await sendCommand(db, { type: 'export.record', actorId: 'u-heidi', payload: { ...pack(), madeAt } });
    expect(exports()).toEqual([]);
    const replication = startReplication(db, { serverUrl: srv.url, token: await srv.login('heidi'), retryTimeMs: 300, reconnectMaxMs: 1_000 });
    cleanups.push(() => replication.cancel());
    expect(await awaitCommandResult(db, id, 15_000)).toMatchObject({ status: 'applied', message: expect.stringContaining('evidence pack evidence-2026-q1.zip recorded: 120 rows') });
    const [event] = exports() as [AuditEvent];
    expect(event).toMatchObject({
      actorId: 'u-heidi',
      subjectType: 'export',
      subjectId: `exp-${id}`,
      data: { kind: 'evidence_pack', fileName: 'evidence-2026-q1.zip', madeAt, rows: 120, sha256: HASH, manifestSha256: MANIFEST, period: { from: '2026-01-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', label: 'Q1 2026' }, commandId: id },
    });
    // Recorded when it synced, after it was made.
    expect(Date.parse(event.at)).toBeGreaterThan(Date.parse(madeAt) + 3_600_000);
  });
});

describe('the configuration file, exported by the server itself', () => {
  it('GET /api/v1/config/export leaves export.made with its rows and the hash of the file answered', async () => {
    const mallory = await srv.login('mallory');
    const res = await http('GET', `${srv.url}/api/v1/config/export`, { token: mallory });
    expect(res.status).toBe(200);
    const event = exports().at(-1) as AuditEvent;
    expect(event).toMatchObject({ actorId: 'u-mallory', subjectType: 'export', data: { kind: 'config_file', fileName: 'jit-config.yaml', sha256: createHash('sha256').update(res.text, 'utf8').digest('hex') } });
    expect(event.data.rows).toBe(srv.store.count('policies') + srv.store.count('resources') + srv.store.count('profiles'));
  });
});

describe('export.record is refused for a role that may not make the export, and for a record that does not hold together', () => {
  it('a requester makes no exports; an approver makes a requests CSV but not an evidence pack', async () => {
    const before = exports().length;
    const requester = await send('bob', { kind: 'requests_csv', fileName: 'requests.csv', madeAt: new Date().toISOString(), rows: 2, sha256: HASH });
    expect(requester.status).toBe(403);
    expect(requester.body.error.message).toContain('export.record');
    const approver = await send('carol', pack());
    expect(approver.status).toBe(403);
    expect(approver.body.error.message).toBe('Carol Diaz (approver, reviewer) may not make an evidence pack; auditor, admin may');
    expect([...srv.store.auditEvents()].some((e) => e.type === 'command.rejected' && e.actorId === 'u-carol' && e.data.code === 'forbidden')).toBe(true);
    const csv = await send('carol', { kind: 'requests_csv', fileName: 'requests-2026-03-02.csv', madeAt: new Date().toISOString(), rows: 14, sha256: HASH, filter: 'status: Pending; search: payroll' });
    expect(csv.status, csv.text).toBe(200);
    expect(exports().slice(before)).toEqual([expect.objectContaining({ actorId: 'u-carol', data: expect.objectContaining({ kind: 'requests_csv', rows: 14, filter: 'status: Pending; search: payroll' }) })]);
  });

  it('names what is wrong: an unknown field or kind, a bad hash, a pack without its manifest or period, a campaign that does not exist', async () => {
    const before = exports().length;
    const cases: [Record<string, unknown>, number, string][] = [
      [pack({ extra: 1 }), 400, 'extra'],
      [pack({ kind: 'audit_dump' }), 400, 'kind'],
      [pack({ sha256: 'not-a-hash' }), 400, 'sha256: must be a SHA-256 in lowercase hex'],
      [pack({ manifestSha256: undefined }), 400, "manifestSha256: an evidence pack names its manifest's hash"],
      [pack({ period: undefined }), 400, 'period: an evidence pack names the period it covers'],
      [pack({ period: { from: '2026-04-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' } }), 400, 'period: from 2026-04-01T00:00:00.000Z must be before to 2026-01-01T00:00:00.000Z'],
      [{ kind: 'review_evidence_csv', fileName: 'r.csv', madeAt: new Date().toISOString(), rows: 1, sha256: HASH }, 400, 'campaignId and run: a review evidence CSV names the campaign run it exports'],
      [{ kind: 'review_evidence_csv', fileName: 'r.csv', madeAt: new Date().toISOString(), rows: 1, sha256: HASH, campaignId: 'rc-nowhere', run: 1 }, 404, 'campaign rc-nowhere does not exist'],
    ];
    for (const [payload, status, message] of cases) {
      const res = await send('heidi', payload);
      expect(res.status, JSON.stringify(payload)).toBe(status);
      expect(res.body.error.message, JSON.stringify(payload)).toContain(message);
    }
    expect(exports().length).toBe(before);
  });

  it('a device clock ahead of the server\'s: the export is recorded as made, saying how far ahead', async () => {
    const madeAt = new Date(Date.now() + 30 * 24 * 3_600_000).toISOString();
    expect((await send('heidi', pack({ madeAt }))).status).toBe(200);
    const event = exports().at(-1) as AuditEvent;
    expect(event.data.madeAt).toBe(madeAt);
    expect(event.data.madeAtAheadOfServerMs).toBeGreaterThan(29 * 24 * 3_600_000);
    expect(exports()[0]?.data).not.toHaveProperty('madeAtAheadOfServerMs');
  });
});
