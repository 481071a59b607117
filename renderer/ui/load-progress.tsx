import type { LoadProgress } from '../db/index.js';
import { progressLabel } from '../session/load-state.js';
import './load-progress.css';

/**
 * "Loading requests… 3,000 of 10,008" with a bar: what a list shows while its collection is still
 * arriving, so the rows above it are never read as the whole. Without a known total the bar runs
 * without a value (assistive technology then reads it as busy).
 */
export function LoadProgressBar({ what, progress }: { what: string; progress: LoadProgress | null }) {
  const known = progress !== null && progress.expected !== null && progress.expected > 0;
  const label = `Loading ${what}…${progress && progress.received > 0 ? ` ${progressLabel(progress)}` : ''}`;
  return (
    <div className="load-progress" data-testid="load-progress">
      <span className="load-progress-label">{label}</span>
      <span
        className="load-progress-track"
        role="progressbar"
        aria-label={`Loading ${what}`}
        aria-valuemin={known ? 0 : undefined}
        aria-valuemax={known ? progress.expected! : undefined}
        aria-valuenow={known ? Math.min(progress.received, progress.expected!) : undefined}
      >
        <span className={known ? 'load-progress-fill' : 'load-progress-fill indeterminate'} style={known ? { width: `${Math.min(100, (100 * progress.received) / progress.expected!)}%` } : undefined} />
      </span>
    </div>
  );
}
