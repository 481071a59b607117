import { map } from 'rxjs';
import type { AccessRequest, Grant } from '../../../core/index.js';
import { formatAbsolute } from '../../lib/time.js';
import { useNow, useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { Icon, Time } from '../../ui/ui.js';
import { describeExtension } from '../grants/more-time.js';
import './extension.css';

/** On an extension request: says plainly that it asks for more time on a grant held now, not for new access. */
export function ExtensionNotice({ request }: { request: AccessRequest }) {
  const { db } = useSession();
  const { users, resources } = useConsoleData();
  const now = useNow(30_000);
  const grantId = request.extendsGrantId;
  const grant = useObservable(() => (grantId ? db.grants.findOne(grantId).$.pipe(map((d) => (d ? (d.toJSON() as Grant) : null))) : null), null as Grant | null, [db, grantId]);
  if (!grantId) return null;
  const person = users.get(request.requesterId)?.displayName ?? request.requesterId;
  const resource = resources.get(request.resourceId)?.name ?? request.resourceId;
  const g = grant.data;
  return (
    <div className="extension-notice" role="note" data-testid="extension-notice">
      <Icon name="clock" />
      <div>
        <strong title={g ? `The grant ends ${formatAbsolute(g.expiresAt)}` : undefined}>{describeExtension(request, { person, resource }, g, now)}.</strong>
        <div className="small">
          Not new access: approving lengthens grant <code>{grantId}</code>
          {g ? (
            <>
              , which ends <Time iso={g.expiresAt} /> (more time {g.extensions + 1} of at most {g.maxExtensions})
            </>
          ) : null}
          . Denying leaves it to end on time.
        </div>
      </div>
    </div>
  );
}
