/**
 * The audit trail's timers (the checkpointer's time rule, the block sealer's): `run` every
 * `tickMs` (0: never; tests call the rule themselves), errors reported, never thrown. A server
 * whose start failed after a timer began closes the store without stopping it: the timer stops then.
 */
import type { Store } from '../store/types.js';

export function everyTick(store: Store, tickMs: number, run: () => unknown, onError: (error: unknown) => void): () => void {
  if (tickMs <= 0) return () => undefined;
  const timer = setInterval(() => {
    if (!store.db.open) return clearInterval(timer);
    try {
      run();
    } catch (error) {
      onError(error);
    }
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
