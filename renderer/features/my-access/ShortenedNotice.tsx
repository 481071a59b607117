import type { Grant } from '../../../core/index.js';
import { formatDuration } from '../../lib/time.js';
import { Icon, sentence, Time } from '../../ui/ui.js';

/**
 * Told to the holder of a grant shortened to a lowered maximum (grant.shorten): who did it, when,
 * why, and the end it had before. Read from the grant on their replica, offline too.
 */
export function ShortenedNotice({ grant, person }: { grant: Grant; person(id: string): string }) {
  const shortened = grant.shortened;
  if (!shortened) return null;
  return (
    <p className="notice warning small ma-shortened" role="note" data-testid="grant-shortened">
      <Icon name="clock" size={13} />
      <span>
        Shortened by {shortened.byName || person(shortened.by)} <Time iso={shortened.at} />: {sentence(shortened.reason || `the maximum is now ${formatDuration(shortened.maxMinutes)}`)} It ends <Time iso={grant.expiresAt} /> instead of{' '}
        <Time iso={shortened.previousExpiresAt} />.
      </span>
    </p>
  );
}
