import { describe, expect, it } from 'vitest';
import { AUDIT_BLOCK_SIZE, blockId, type AuditEvent } from '../../../../core/index.js';
import type { OlderBlocksPage } from '../../../../core/audit/older-blocks.js';
import { makeAuditChain } from '../../../../core/test-fixtures.js';
import { loadOlderHistory, type FetchOlderPage } from './older-history.js';

const SIZE = AUDIT_BLOCK_SIZE;
const chain = makeAuditChain(4 * SIZE + 10);
const HORIZON = 3 * SIZE;
/** A reader who may see events whose seq is even. */
const visible = (e: AuditEvent) => e.seq % 2 === 0;

/** The server's answers, as blocks-pull.ts builds them, from `log` (which a test may alter). */
function server(log: AuditEvent[]): FetchOlderPage {
  return (through, limit) => {
    const end = through ?? HORIZON;
    const blocks: OlderBlocksPage['blocks'] = [];
    for (let last = end; last > 0 && blocks.length < limit; last -= SIZE) {
      const rows = log.slice(last - SIZE, last);
      const events = rows.filter(visible);
      blocks.push({ id: blockId(last - SIZE + 1), firstSeq: last - SIZE + 1, lastSeq: last, prevHash: rows[0]!.prevHash, hash: rows[SIZE - 1]!.hash, events, withheld: SIZE - events.length });
    }
    const oldest = blocks.at(-1)?.firstSeq ?? end + 1;
    return Promise.resolve({ horizon: HORIZON, anchor: { seq: end, hash: log[end - 1]!.hash }, blocks, remaining: (oldest - 1) / SIZE });
  };
}

const held = (seq: number) => Promise.resolve(seq > HORIZON && visible(chain[seq - 1]!) ? chain[seq - 1]! : null);

describe('loading older history', () => {
  it('checks every older block against the chain, newest first, and indexes only what it carries', async () => {
    const appended: AuditEvent[] = [];
    const seen: number[] = [];
    const done = await loadOlderHistory({ fetchPage: server(chain), held, append: (e) => appended.push(...e), onProgress: (p) => seen.push(p.blocks) });
    expect(done).toEqual({ blocks: 3, of: 3, events: (3 * SIZE) / 2 });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual(chain.slice(0, HORIZON).filter(visible).map((e) => e.seq));
  });

  it('stops at a block whose event was edited, keeping the blocks checked before it', async () => {
    const altered = chain.map((e) => (e.seq === SIZE + 2 ? { ...e, data: { seq: 'changed' } } : e));
    const appended: AuditEvent[] = [];
    await expect(loadOlderHistory({ fetchPage: server(altered), held, append: (e) => appended.push(...e), onProgress: () => undefined })).rejects.toThrow(`event ${SIZE + 2} was edited`);
    expect(Math.min(...appended.map((e) => e.seq))).toBe(2 * SIZE + 2);
  });

  it('refuses a history that does not link to the event this device holds after the horizon', async () => {
    const rewritten = makeAuditChain(4 * SIZE + 10).map((e) => (e.seq <= HORIZON ? { ...e, hash: e.hash.replace(/^./, e.hash[0] === 'a' ? 'b' : 'a') } : e));
    await expect(loadOlderHistory({ fetchPage: server(rewritten), held: (seq) => Promise.resolve(seq === HORIZON + 1 ? chain[seq - 1]! : null), append: () => undefined, onProgress: () => undefined })).rejects.toThrow('does not link to the event this device holds');
  });

  it('stops when cancelled', async () => {
    const abort = new AbortController();
    await expect(loadOlderHistory({ fetchPage: server(chain), held, append: () => abort.abort(), onProgress: () => undefined, signal: abort.signal })).rejects.toThrow();
  });
});
