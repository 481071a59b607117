import type { ReactNode } from 'react';
import type { DirectoryUser, Grant } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { Icon } from '../../ui/ui.js';
import { ownersInWords } from './my-access-model.js';

/**
 * "Service identities I own": each Entra service principal or AD service account whose directory
 * lists me as an owner, with its live grants. I asked for them on its behalf, so I give them back
 * and ask for more time on them as on my own (the cards come from the page, with its actions).
 */
export function IdentitiesSection({
  identities,
  grants,
  userId,
  nameOf,
  loading,
  renderGrant,
}: {
  identities: readonly DirectoryUser[];
  grants: readonly Grant[];
  userId: string;
  nameOf(id: string): string;
  loading: boolean;
  renderGrant(grant: Grant, holder: DirectoryUser): ReactNode;
}) {
  if (identities.length === 0) return null;
  return (
    <section className="ma-section" aria-labelledby="ma-identities">
      <h2 id="ma-identities">Service identities I own</h2>
      <ul className="ma-identities" aria-label="Service identities I own">
        {identities.map((identity) => {
          const held = grants.filter((g) => g.userId === identity.id);
          return (
            <li key={identity.id} className="ma-identity" data-identity-id={identity.id}>
              <div className="ma-identity-head">
                <Icon name="key" size={14} />
                <h3>{identity.displayName}</h3>
                <span className="muted small">service identity · owned by {ownersInWords(identity, userId, nameOf)}</span>
                {identity.disabled ? <span className="pill tone-warning">Disabled in its directory</span> : null}
                <span className="ma-spacer" />
                {identity.disabled ? null : (
                  <a className="button small" href={href('request-access')}>
                    Request access for it
                  </a>
                )}
              </div>
              {held.length === 0 ? (
                <p className="muted small">
                  {loading
                    ? 'Loading its grants…'
                    : identity.disabled
                      ? 'It holds no access now, and cannot be granted any while its directory disables it.'
                      : `It holds no access now. In Request access, choose “For: ${identity.displayName}”; what is granted shows here, for you to give back or ask more time on.`}
                </p>
              ) : (
                <ul className="ma-cards" aria-label={`Held by ${identity.displayName}`}>
                  {held.map((g) => renderGrant(g, identity))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
