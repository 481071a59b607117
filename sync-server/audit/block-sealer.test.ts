/**
 * The block seal time as the audit trail takes it (JIT_AUDIT_BLOCK_SEAL_MINUTES reaches here as
 * blockSealMinutes): the tail seals once its first event is that old and not before; a time that is
 * not above 0 is refused at start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { openAuditTrail } from './index.js';

const T0 = Date.parse('2026-10-01T09:00:00.000Z');
const opened: { store: Store; dir: string }[] = [];
afterEach(() => {
  for (const { store, dir } of opened.splice(0)) {
    if (store.db.open) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function storeAt(): { store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jit-sealer-'));
  const store = openStore({ dataDir: dir });
  opened.push({ store, dir });
  return { store, dir };
}

describe('the block seal time', () => {
  it('seals the tail once its first event is blockSealMinutes old, and not before', async () => {
    const { store, dir } = storeAt();
    let nowMs = T0;
    const audit = await openAuditTrail({ store, dataDir: dir, now: () => new Date(nowMs), settings: { blockSealMinutes: 1, tickMs: 0 } });
    store.tx(() => store.appendAudit({ type: 'task.reminded', actorId: 'system', subjectType: 'task', subjectId: 't-1', data: {}, at: new Date(T0).toISOString() }));
    const head = store.auditHead().seq;
    nowMs = T0 + 59_000;
    expect(audit.sealer.tick()).toBeNull();
    nowMs = T0 + 60_000;
    expect(audit.sealer.tick()).toMatchObject({ lastSeq: head });
    audit.close();
  });

  it('refuses a seal time that is not above 0', async () => {
    const { store, dir } = storeAt();
    await expect(openAuditTrail({ store, dataDir: dir, now: () => new Date(T0), settings: { blockSealMinutes: 0, tickMs: 0 } })).rejects.toThrow('blockSealMinutes must be more than 0, got 0');
  });
});
