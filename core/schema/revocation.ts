import { z } from 'zod';

/**
 * Why a grant ended early or on time: a closed list (Grant.endedCategory, the `category` of
 * grant.revoke_requested and grant.revoked), beside an optional free-text note (Grant.endedReason).
 * - expiry: the scheduler at the end of its time (also after a lowered maximum shortened it);
 * - give_back: its holder (or an owner of the service identity holding it) ended it;
 * - admin: an approver or admin revoked someone else's access;
 * - security_incident: an approver or admin revoked it because the access or account may be misused;
 * - review: an access review removed it, a break-glass follow-up review included;
 * - offboarding: its holder was offboarded;
 * - account_disabled: an admin disabled its holder's account;
 * - standing_converted: standing access converted to eligible (the removal of the standing membership);
 * - cancelled_before_start: its request was cancelled before a scheduled start.
 */
export const RevocationCategory = z.enum(['expiry', 'give_back', 'admin', 'security_incident', 'review', 'offboarding', 'account_disabled', 'standing_converted', 'cancelled_before_start']);
export type RevocationCategory = z.infer<typeof RevocationCategory>;

/** The categories in words, for screens, CSV and the evidence pack. */
export const REVOCATION_CATEGORY_WORDS: Record<RevocationCategory, string> = {
  expiry: 'Ended at expiry',
  give_back: 'Given back',
  admin: 'Revoked by an approver or admin',
  security_incident: 'Revoked for a security incident',
  review: 'Removed by an access review',
  offboarding: 'Offboarding',
  account_disabled: 'Account disabled',
  standing_converted: 'Standing access converted to eligible',
  cancelled_before_start: 'Cancelled before its start',
};
