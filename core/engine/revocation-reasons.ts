/**
 * Revocation categories (core/schema/revocation.ts): which a person may pick when they revoke, and
 * the category of a grant stored before categories existed, read from its free-text reason.
 */
import type { Grant } from '../schema/grant.js';
import { RevocationCategory, type RevocationCategory as Category } from '../schema/revocation.js';
import { OFFBOARDING_REASON } from './offboarding.js';
import { err, ok, type Result } from './result.js';

/** What a person revoking picks from: the holder gives back; an approver or admin revoking someone else's access says which. */
export const PERSON_CATEGORIES = {
  own: ['give_back'],
  other: ['admin', 'security_incident'],
} as const satisfies Record<'own' | 'other', readonly Category[]>;

/** The categories the server sets itself (never sent in grant.revoke). */
export const SYSTEM_CATEGORIES: readonly Category[] = RevocationCategory.options.filter((c) => !(PERSON_CATEGORIES.own as readonly Category[]).includes(c) && !(PERSON_CATEGORIES.other as readonly Category[]).includes(c));

/**
 * The category a grant.revoke names, checked for the sender's relation to the grant (`own`: they
 * hold it, or own the service identity that does). Absent: the first the relation offers.
 */
export function revocationCategoryFor(sent: string | undefined, relation: 'own' | 'other'): Result<Category> {
  const offered: readonly Category[] = PERSON_CATEGORIES[relation];
  if (sent === undefined) return ok(offered[0] as Category);
  const known = RevocationCategory.safeParse(sent);
  if (!known.success) return err('invalid_input', `category "${sent}" is not a revocation category; one of ${offered.join(', ')}`);
  if (!offered.includes(known.data)) {
    const who = relation === 'own' ? 'ending your own access' : "revoking someone else's access";
    const why = SYSTEM_CATEGORIES.includes(known.data) ? 'is set by the server, never sent' : `is not one for ${who}`;
    return err('invalid_input', `category "${sent}" ${why}; ${who}, the category is one of ${offered.join(', ')}`);
  }
  return ok(known.data);
}

/**
 * The category of a grant's ending: the one stored, or for a grant ended before categories were
 * stored, the one its reason and who ended it say (the reasons the server wrote then: "expired",
 * "offboarding", "disabled", "review: …", "standing access converted to eligible: …",
 * "cancelled before its start: …"; otherwise the holder gave it back or someone else revoked it).
 * Null for a grant that has not ended.
 */
export function revocationCategoryOf(grant: Pick<Grant, 'endedReason' | 'endedBy' | 'userId' | 'revokeRequestedAt'> & { endedCategory?: Category | undefined }): Category | null {
  if (grant.endedCategory) return grant.endedCategory;
  if (grant.revokeRequestedAt === null && grant.endedBy === null) return null;
  return categoryOfReason(grant.endedReason, grant.endedBy, grant.userId);
}

/** The category a free-text reason written by the server before categories existed stands for. */
export function categoryOfReason(reason: string, endedBy: string | null, holderId: string): Category {
  const text = reason.trim();
  if (text === 'expired') return 'expiry';
  if (text === OFFBOARDING_REASON) return 'offboarding';
  if (text === 'disabled') return 'account_disabled';
  if (text.startsWith('review: ')) return 'review';
  if (text.startsWith('standing access converted to eligible')) return 'standing_converted';
  if (text.startsWith('cancelled before its start')) return 'cancelled_before_start';
  if (endedBy === 'system') return 'expiry';
  return endedBy === holderId ? 'give_back' : 'admin';
}
