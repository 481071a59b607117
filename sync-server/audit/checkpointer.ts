/**
 * Signs the chain head: after a commit that leaves `everyEvents` or more events unsigned, and on
 * `tick()` once the oldest unsigned event is `everyMinutes` old (the server ticks on a timer; tests
 * call tick() after moving an injected clock). A head that has not moved is not signed again.
 */
import type { AuditCheckpoint } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { headFilePath, insertCheckpoint, lastCheckpoint, writeHeadFile } from './checkpoint-store.js';
import { everyTick } from './audit-timer.js';
import type { AuditSigner } from './signing-key.js';

export const DEFAULT_CHECKPOINT_EVERY_EVENTS = 1_000;
export const DEFAULT_CHECKPOINT_EVERY_MINUTES = 5;

export type CheckpointRules = { everyEvents: number; everyMinutes: number };

export type Checkpointer = {
  /** Signs the head now if it moved since the last checkpoint. */
  checkpointNow(): AuditCheckpoint | null;
  /** Applies the time rule (and the count rule, for events appended by another process). */
  tick(): AuditCheckpoint | null;
  last(): AuditCheckpoint | null;
  stop(): void;
};

export function startCheckpointer(opts: { store: Store; signer: AuditSigner; now: () => Date; rules: CheckpointRules; tickMs: number; onError: (error: unknown) => void }): Checkpointer {
  const { store, signer, now, rules } = opts;
  const headFile = headFilePath(signer.path);
  let last = lastCheckpoint(store.db);
  const firstUnsignedAt = store.db.prepare('SELECT at FROM audit_events WHERE seq = ?').pluck();

  const checkpointNow = (): AuditCheckpoint | null => {
    const head = store.auditHead();
    // Another process (the scheduler worker) may have signed meanwhile.
    last = lastCheckpoint(store.db);
    if (head.seq === 0 || head.seq <= (last?.seq ?? 0)) return null;
    const cp = signer.sign({ seq: head.seq, hash: head.hash, at: now().toISOString(), keyId: signer.keyId });
    insertCheckpoint(store.db, cp);
    writeHeadFile(headFile, cp);
    last = cp;
    return cp;
  };
  const unsigned = () => store.auditHead().seq - (last?.seq ?? 0);

  const tick = (): AuditCheckpoint | null => {
    if (unsigned() <= 0) return null;
    if (unsigned() >= rules.everyEvents) return checkpointNow();
    const oldest = firstUnsignedAt.get((last?.seq ?? 0) + 1) as string | undefined;
    if (oldest !== undefined && now().getTime() - Date.parse(oldest) >= rules.everyMinutes * 60_000) return checkpointNow();
    return null;
  };

  const unsubscribe = store.onCommit((changes) => {
    if (!changes.some((c) => c.collection === 'audit')) return;
    try {
      if (unsigned() >= rules.everyEvents) checkpointNow();
    } catch (error) {
      opts.onError(error);
    }
  });
  const stopTimer = everyTick(store, opts.tickMs, tick, opts.onError);

  function stop(): void {
    unsubscribe();
    stopTimer();
  }
  return { checkpointNow, tick, last: () => last, stop };
}
