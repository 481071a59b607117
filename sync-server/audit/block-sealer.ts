/**
 * Seals the audit log's open tail as a block once its first event is a short time old
 * (docs/decisions/sealed-audit-blocks.md), so the tail a replica holds event by event stays short
 * in a quiet hour too. A full block seals as it fills, in the transaction of its last event
 * (sync-server/store/audit-blocks.ts); this is the time rule, on the audit trail's timer.
 */
import type { SealedBlockRange } from '../store/audit-blocks.js';
import type { Store } from '../store/types.js';
import { everyTick } from './audit-timer.js';

export const DEFAULT_BLOCK_SEAL_MINUTES = 5;

export type BlockSealer = {
  /** Seals the tail now if its first event is old enough; tests call it after moving an injected clock. */
  tick(): SealedBlockRange | null;
  stop(): void;
};

export function startBlockSealer(opts: { store: Store; now: () => Date; sealMinutes: number; tickMs: number; onError: (error: unknown) => void }): BlockSealer {
  const { store, now } = opts;
  const maxAgeMs = opts.sealMinutes * 60_000;
  const tick = () => store.sealAuditTail(now(), maxAgeMs);
  const stop = everyTick(store, opts.tickMs, tick, opts.onError);
  return { tick, stop };
}
