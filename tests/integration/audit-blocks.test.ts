/**
 * The audit log replicates to readers of every event as sealed blocks plus the open tail: a fresh
 * replica (RxDB, dev-mode schema checks) holds a few documents for thousands of events, reads them
 * all back through the one reader, verifies their chain block by block, and finds an event edited in
 * its own copy. Live, a block completed while the replica is connected replaces its events. A
 * quiet log's tail is sealed as a shorter block once its first event is five minutes old.
 */
import { firstValueFrom, filter, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_BLOCK_SIZE, sealBlock, verifyBlocks, type AuditBlock, type AuditEvent } from '../../core/index.js';
import { readAuditEvents } from '../../renderer/db/audit-reader.js';
import { createJitDatabase } from '../../renderer/db/database.js';
import { startReplication } from '../../renderer/db/replication.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
// The server's clock runs this far ahead of the events' own times once the test moves it.
let aheadMs = 0;
beforeAll(async () => {
  srv = await startTestServer({ audit: { tickMs: 0 }, now: () => new Date(Date.now() + aheadMs) });
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

  it('a tail whose first event is five minutes old is sealed as a shorter block: live, on a fresh pull, and the next full block follows it', async () => {
    const live = await createJitDatabase({ name: 'audit-blocks-quiet', storage: 'memory', devMode: true, collections: ['audit'] });
    const replication = startReplication(live, { serverUrl: srv.url, token: srv.adminToken, retryTimeMs: 300 });
    try {
      await replication.awaitInSync();
      append(7);
      const head = srv.store.auditHead().seq;
      // Not yet old: nothing is sealed.
      expect(srv.server.audit.sealer.tick()).toBeNull();
      aheadMs = 5 * 60_000 + 1_000;
      const sealed = srv.server.audit.sealer.tick();
      expect(sealed).toMatchObject({ lastSeq: head });
      expect(sealed!.lastSeq - sealed!.firstSeq + 1).toBeLessThan(AUDIT_BLOCK_SIZE);
      expect(srv.server.audit.sealer.tick()).toBeNull();
      // The connected replica receives the block in place of the tail's events.
      const shortId = `ab-${sealed!.firstSeq}`;
      const doc = await firstValueFrom(live.audit.findOne(shortId).$.pipe(filter((d) => d !== null), timeout(20_000)));
      expect((JSON.parse(JSON.stringify(doc!.toJSON())) as { block: AuditBlock }).block).toMatchObject({ firstSeq: sealed!.firstSeq, lastSeq: head, sealedAt: sealed!.sealedAt });
      await firstValueFrom(live.audit.find({ selector: { seq: { $gt: sealed!.firstSeq - 1 } } }).$.pipe(filter((d) => d.length === 1), timeout(20_000)));

      // A full block fills from the event after it, not from a multiple of the block size.
      append(AUDIT_BLOCK_SIZE + 3);
      const fresh = await createJitDatabase({ name: 'audit-blocks-quiet-fresh', storage: 'memory', devMode: true, collections: ['audit'] });
      const second = startReplication(fresh, { serverUrl: srv.url, token: srv.adminToken, retryTimeMs: 300 });
      try {
        await second.awaitInSync();
        const docs = (await fresh.audit.find({ sort: [{ seq: 'asc' }] }).exec()).map((d) => JSON.parse(JSON.stringify(d.toJSON())) as AuditEvent & { block?: AuditBlock });
        const ranges = docs.filter((d) => d.block).map((d) => [d.block!.firstSeq, d.block!.lastSeq]);
        expect(ranges.slice(-2)).toEqual([
          [sealed!.firstSeq, head],
          [head + 1, head + AUDIT_BLOCK_SIZE],
        ]);
        expect(docs.filter((d) => !d.block).map((d) => d.seq)).toEqual([head + AUDIT_BLOCK_SIZE + 1, head + AUDIT_BLOCK_SIZE + 2, head + AUDIT_BLOCK_SIZE + 3]);
        expect(verifyBlocks(docs.map((d) => d.block ?? sealBlock([d], d.at)))).toMatchObject({ ok: true, verifiedUpTo: { seq: srv.store.auditHead().seq } });
        expect(await readAuditEvents(fresh)).toEqual([...srv.store.auditEvents()]);
      } finally {
        await second.cancel();
        await fresh.remove();
      }
      expect((await readAuditEvents(live)).map((e) => e.seq)).toEqual([...srv.store.auditEvents()].map((e) => e.seq));
    } finally {
      aheadMs = 0;
      await replication.cancel();
      await live.remove();
    }
  });

  it('the stored boundaries are append-only: a block cannot be changed, removed, or sealed out of order', () => {
    const db = srv.store.db;
    const last = db.prepare('SELECT first_seq, last_seq FROM audit_blocks ORDER BY first_seq DESC LIMIT 1').get() as { first_seq: number; last_seq: number };
    expect(() => db.prepare('UPDATE audit_blocks SET last_seq = last_seq - 1 WHERE first_seq = ?').run(last.first_seq)).toThrow('append-only');
    expect(() => db.prepare('DELETE FROM audit_blocks WHERE first_seq = ?').run(last.first_seq)).toThrow('append-only');
    expect(() => db.prepare('INSERT INTO audit_blocks VALUES (?, ?, ?)').run(last.last_seq + 2, last.last_seq + 2, 'x')).toThrow('sealed in order');
    expect(() => db.prepare('INSERT INTO audit_blocks VALUES (?, ?, ?)').run(last.last_seq + 1, last.last_seq + AUDIT_BLOCK_SIZE + 1, 'x')).toThrow('sealed in order');
    expect(() => db.prepare('INSERT INTO audit_blocks VALUES (?, ?, ?)').run(last.last_seq + 1, srv.store.auditHead().seq + 1, 'x')).toThrow('sealed in order');
  });
});
