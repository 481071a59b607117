import '../../../ui/load-progress.css';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * "Indexing 340,000 of 1,000,000 events" with a bar, while the explorer's index is built in its
 * worker; what is indexed already can be searched meanwhile.
 */
export function IndexProgressBar({ indexed, held, arriving }: { indexed: number; held: number; arriving: boolean }) {
  const known = held > 0;
  const label = `${known ? `Indexing ${n(Math.min(indexed, held))} of ${n(held)} events` : 'Indexing events'}${arriving ? ' (more arriving from the server)' : ''}`;
  return (
    <div className="load-progress ax-index-progress" data-testid="index-progress">
      <span className="load-progress-label">{label}; what is indexed can be searched now</span>
      <span
        className="load-progress-track"
        role="progressbar"
        aria-label="Indexing audit events"
        aria-valuemin={known ? 0 : undefined}
        aria-valuemax={known ? held : undefined}
        aria-valuenow={known ? Math.min(indexed, held) : undefined}
        aria-valuetext={label}
      >
        <span className={known ? 'load-progress-fill' : 'load-progress-fill indeterminate'} style={known ? { width: `${Math.min(100, (100 * indexed) / held)}%` } : undefined} />
      </span>
    </div>
  );
}
