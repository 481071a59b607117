import { useState } from 'react';
import { useObservable } from '../lib/use-rx.js';
import { workerUpdate$ } from './offline-worker.js';
import './update-banner.css';

/**
 * "A new version is ready: reload", while a new version of the web console waits. The console
 * never swaps its code under an open session: the person reloads when it suits them (a decision
 * not yet sent stays on this device), or the new version starts the next time the console opens.
 */
export function UpdateBanner() {
  const update = useObservable(() => workerUpdate$, null, []).data;
  const [dismissed, setDismissed] = useState<typeof update>(null);
  const [reloading, setReloading] = useState(false);
  if (!update || dismissed === update) return null;
  return (
    <div className="update-banner" role="status" data-testid="update-banner">
      <span>A new version is ready:</span>
      <button
        type="button"
        className="button small primary"
        disabled={reloading}
        onClick={() => {
          setReloading(true);
          update.apply().catch(() => setReloading(false));
        }}
      >
        {reloading ? 'Reloading…' : 'Reload'}
      </button>
      <button type="button" className="button small" title="The new version starts the next time the console opens" onClick={() => setDismissed(update)}>
        Later
      </button>
    </div>
  );
}
