import { needsServerReason, type Reach } from '../session/reach.js';
import { EmptyState } from './ui.js';

/**
 * What a screen that reads the server over REST shows when it has nothing to show and cannot ask
 * now: "<what> needs the server: offline" (or: the server is not answering), why, and Retry.
 * The rest of the console keeps working from the replica.
 */
export function NeedsServer({ what, reach, detail, retrying, onRetry }: { what: string; reach: Reach; detail?: string; retrying: boolean; onRetry(): void }) {
  const reason = needsServerReason(reach);
  return (
    <div data-testid="needs-server">
      <EmptyState
        title={`${what} needs the server: ${reason}`}
        icon="cloud-off"
        action={
          <button type="button" className="button" onClick={onRetry} disabled={retrying}>
            {retrying ? 'Retrying…' : 'Retry'}
          </button>
        }
      >
        {reach === 'offline'
          ? `${what} is read live from the server, and this device has no network. The rest of the console works from what is on this device; this shows again when the connection returns.`
          : `${what} is read live from the server, which is not answering${detail ? ` (${detail})` : ''}. The rest of the console works from what is on this device.`}
      </EmptyState>
    </div>
  );
}
