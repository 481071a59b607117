import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, sealEvent, type AuditEvent } from '../../core/index.js';
import { auditEventPages, auditEvents$, hasAuditReplica, readAuditEvents } from './audit-reader.js';
import { createJitDatabase, type JitDatabase } from './database.js';

function chain(length: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const event = sealEvent({ id: `ae-${seq}`, seq, type: 'request.created', actorId: 'u-req', at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), subjectType: 'request', subjectId: `r-${seq % 3}`, data: {} }, prev);
    events.push(event);
    prev = event.hash;
  }
  return events;
}

let db: JitDatabase | null = null;
afterEach(async () => {
  await db?.remove();
  db = null;
});

describe('the audit reader', () => {
  it('reads events by subject, the latest ones, and everything in pages, in order', async () => {
    db = await createJitDatabase({ name: 'audit-reader-test', storage: 'memory', devMode: true, collections: ['audit'] });
    const events = chain(10);
    await db.audit.bulkInsert(events);
    expect(hasAuditReplica(db)).toBe(true);
    expect((await firstValueFrom(auditEvents$(db, { subjectIds: ['r-1'] }))).map((e) => e.seq)).toEqual([1, 4, 7, 10]);
    expect((await firstValueFrom(auditEvents$(db, { latest: 3 }))).map((e) => e.seq)).toEqual([10, 9, 8]);
    expect((await readAuditEvents(db)).map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    const pages: number[][] = [];
    for await (const page of auditEventPages(db, 4)) pages.push(page.map((e) => e.seq));
    expect(pages).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
    expect(await readAuditEvents(db)).toEqual(events);
  });

  it('answers no events to a replica without the audit collection', async () => {
    db = await createJitDatabase({ name: 'audit-reader-none', storage: 'memory', devMode: true, collections: ['requests'] });
    expect(hasAuditReplica(db)).toBe(false);
    expect(await firstValueFrom(auditEvents$(db, { subjectIds: ['r-1'] }))).toEqual([]);
    expect(await readAuditEvents(db)).toEqual([]);
  });
});
