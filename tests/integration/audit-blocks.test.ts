/**
 * The audit log replicates to readers of every event as sealed blocks plus the open tail: a fresh
 * replica (RxDB, dev-mode schema checks) holds a few documents for thousands of events, reads them
 * all back through the one reader, verifies their chain block by block, and finds an event edited in
 * its own copy. Live, a block completed while the replica is connected replaces its events.
 */
import { firstValueFrom, filter, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_BLOCK_SIZE, sealBlock, verifyBlocks, type AuditBlock, type AuditEvent } from '../../core/index.js';
import { readAuditEvents } from '../../renderer/db/audit-reader.js';
import { createJitDatabase } from '../../renderer/db/database.js';
import { startReplication } from '../../renderer/db/replication.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ audit: { tickMs: 0 } });
});
afterAll(async () => {
  await srv.close();
});

const append = (count: number) =>
  srv.store.tx(() => {
    for (let i = 0; i < count; i++) srv.store.appendAudit({ type: 'task.reminded', actorId: 'system', subjectType: 'task', subjectId: `t-${i % 7}`, data: { i }, at: new Date().toISOString() });
  });

describe('the audit collection as sealed blocks', () => {
  it('a fresh replica pulls blocks and the tail, reads every event, verifies the chain, and finds an edit in its copy', async () => {
    append(2 * AUDIT_BLOCK_SIZE + 300 - srv.store.auditHead().seq);
    const head = srv.store.auditHead().seq;
    const db = await createJitDatabase({ name: 'audit-blocks-fresh', storage: 'memory', devMode: true, collections: ['audit'] });
    const replication = startReplication(db, { serverUrl: srv.url, token: srv.adminToken, retryTimeMs: 300 });
    try {
      await replication.awaitInSync();
      const docs = (await db.audit.find().exec()).map((d) => JSON.parse(JSON.stringify(d.toJSON())) as { id: string; block?: AuditBlock });
      const blocks = docs.filter((d) => d.block);
      expect(blocks.map((d) => d.id)).toEqual(['ab-1', `ab-${AUDIT_BLOCK_SIZE + 1}`]);
      expect(docs.length).toBe(2 + (head - 2 * AUDIT_BLOCK_SIZE));
      const events = await readAuditEvents(db);
      expect(events).toEqual([...srv.store.auditEvents()]);
      // The tail's events checked as blocks of one, after the sealed blocks.
      const asBlocks = (await db.audit.find({ sort: [{ seq: 'asc' }] }).exec()).map((d) => {
        const doc = JSON.parse(JSON.stringify(d.toJSON())) as AuditEvent & { block?: AuditBlock };
        return doc.block ?? sealBlock([doc], doc.at);
      });
      expect(verifyBlocks(asBlocks)).toMatchObject({ ok: true, verifiedUpTo: { seq: head } });

      // Someone edits an event inside a block of this replica's own storage.
      const stored = await db.audit.findOne('ab-1').exec();
      const block = (JSON.parse(JSON.stringify(stored!.toJSON())) as { block: AuditBlock }).block;
      const edited = { ...block, events: block.events.map((e) => (e.seq === 17 ? { ...e, data: { i: 'changed' } } : e)) };
      await stored!.incrementalPatch({ block: edited } as never);
      const again = (await db.audit.find({ sort: [{ seq: 'asc' }] }).exec()).map((d) => (JSON.parse(JSON.stringify(d.toJSON())) as { block?: AuditBlock }).block).filter((b): b is AuditBlock => !!b);
      expect(verifyBlocks(again).problem).toMatchObject({ kind: 'hash_mismatch', seq: 17, blockId: 'ab-1' });
      expect(verifyBlocks(again).verifiedUpTo.seq).toBe(16);
    } finally {
      await replication.cancel();
      await db.remove();
    }
  });

  it('live, the events of a block completed while connected are replaced by the block', async () => {
    const db = await createJitDatabase({ name: 'audit-blocks-live', storage: 'memory', devMode: true, collections: ['audit'] });
    const replication = startReplication(db, { serverUrl: srv.url, token: srv.adminToken, retryTimeMs: 300 });
    try {
      await replication.awaitInSync();
      const head = srv.store.auditHead().seq;
      const nextEnd = head - (head % AUDIT_BLOCK_SIZE) + AUDIT_BLOCK_SIZE;
      append(nextEnd - head + 5);
      const blockIdNow = `ab-${nextEnd - AUDIT_BLOCK_SIZE + 1}`;
      await firstValueFrom(db.audit.findOne(blockIdNow).$.pipe(filter((d) => d !== null), timeout(20_000)));
      await firstValueFrom(db.audit.count().$.pipe(filter((n) => n === nextEnd / AUDIT_BLOCK_SIZE + 5), timeout(20_000)));
      expect((await readAuditEvents(db)).map((e) => e.seq)).toEqual([...srv.store.auditEvents()].map((e) => e.seq));
    } finally {
      await replication.cancel();
      await db.remove();
    }
  });
});
